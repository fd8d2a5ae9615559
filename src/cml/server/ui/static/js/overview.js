// Overview: the tenant's counts and charts (memories over time by type, status distribution,
// store size); for admin keys every tenant and component health.

import { barChart, timelineChart } from "./charts.js";
import { bytes, card, h, replace, table, when } from "./dom.js";

function tenantsTable(ctx, tenants) {
  const rows = tenants.map((t) =>
    h(
      "tr",
      { testid: "tenant-row", class: t.tenant_id === ctx.tenant ? "selected" : null },
      h("td", {}, t.tenant_id),
      h("td", { class: "num" }, t.memory_count),
      h("td", { class: "num" }, t.fact_count),
      h("td", { class: "num" }, t.event_count),
      h("td", {}, when(t.last_activity)),
    ),
  );
  return card(
    "Tenants",
    {},
    table(
      { testid: "tenants" },
      ["Tenant", "Memories", "Facts", "Events", "Last activity"],
      h("tbody", {}, rows),
    ),
  );
}

function healthPanel(report) {
  const rows = Object.entries(report.components).map(([name, c]) =>
    h(
      "tr",
      { testid: `component-${name}` },
      h("td", {}, name),
      h("td", {}, h("span", { class: `badge ${c.status}` }, c.status)),
      h("td", { class: "num" }, c.latency_ms === null ? "" : `${c.latency_ms.toFixed(1)} ms`),
      h("td", { class: "muted" }, c.error || ""),
    ),
  );
  return card(
    ["Component health ", h("span", { class: `badge ${report.status}` }, report.status)],
    { testid: "health" },
    h("table", {}, h("tbody", {}, rows)),
  );
}

function statsCard(stats) {
  const numbers = [
    ["Total", stats.total_memories],
    ["Active", stats.active_memories],
    ["Silent", stats.silent_memories],
    ["Compressed", stats.compressed_memories],
    ["Deleted", stats.deleted_memories],
  ];
  if (stats.storage_bytes !== null && stats.storage_bytes !== undefined) {
    numbers.push(["Store size (all tenants)", bytes(stats.storage_bytes), "store-size"]);
  }
  return card(
    `Memories of ${stats.tenant_id}`,
    { testid: "stats" },
    h(
      "div",
      { class: "numbers" },
      numbers.map(([label, value, testid]) =>
        h("div", { class: "number", testid }, h("strong", {}, value), h("span", {}, label))),
    ),
    h(
      "div",
      { class: "charts" },
      barChart("By type", Object.entries(stats.by_type), "chart-type"),
      barChart("By status", Object.entries(stats.by_status), "chart-status"),
    ),
  );
}

const SPANS = [
  ["day", "30 days"],
  ["week", "12 weeks"],
];

/** Memories stored per day or week by type (GET /memory/stats/timeline), with a span switch. */
async function timelineCard(ctx) {
  const chart = h("div", {});
  const switches = [];
  const show = async (bucket) => {
    const series = await ctx.api.get("/memory/stats/timeline", { bucket });
    for (const button of switches) button.classList.toggle("current", button.value === bucket);
    replace(chart, timelineChart(`New memories per ${bucket}, by type`, series,
      "chart-timeline"));
  };
  for (const [bucket, label] of SPANS) {
    switches.push(h("button", { type: "button", value: bucket, testid: `timeline-${bucket}`,
      onclick: () => ctx.attempt(() => show(bucket)) }, label));
  }
  await show("day");
  return card(
    "Over time",
    { testid: "timeline" },
    h("div", { class: "segmented" }, switches),
    chart,
    h("p", { class: "muted" }, "By the UTC day (or week from Monday) each memory was stored; " +
      "deleted memories are left out."),
  );
}

/** Render the overview into container. */
export async function render(ctx, container) {
  const [stats, timeline] = await Promise.all([ctx.api.get("/memory/stats"), timelineCard(ctx)]);
  const parts = [h("h1", {}, "Overview"), statsCard(stats), timeline];
  if (ctx.admin) {
    const [tenants, health] = await Promise.all([
      ctx.api.get("/admin/tenants"),
      ctx.api.get("/admin/components"),
    ]);
    parts.push(tenantsTable(ctx, tenants), healthPanel(health));
  }
  replace(container, parts);
}
