// Overview: the tenant's counts and charts; for admin keys every tenant and component health.

import { barChart } from "./charts.js";
import { bytes, h, replace, when } from "./dom.js";

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
  return h(
    "div",
    { class: "card" },
    h("h2", {}, "Tenants"),
    h(
      "table",
      { testid: "tenants" },
      h("thead", {}, h("tr", {}, ["Tenant", "Memories", "Facts", "Events", "Last activity"].map(
        (title) => h("th", {}, title)))),
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
  return h(
    "div",
    { class: "card", testid: "health" },
    h("h2", {}, "Component health ", h("span", { class: `badge ${report.status}` }, report.status)),
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
    numbers.push(["Store size (all tenants)", bytes(stats.storage_bytes)]);
  }
  return h(
    "div",
    { class: "card", testid: "stats" },
    h("h2", {}, `Memories of ${stats.tenant_id}`),
    h(
      "div",
      { class: "numbers" },
      numbers.map(([label, value]) =>
        h("div", { class: "number" }, h("strong", {}, value), h("span", {}, label))),
    ),
    h(
      "div",
      { class: "charts" },
      barChart("By type", Object.entries(stats.by_type), "chart-type"),
      barChart("By status", Object.entries(stats.by_status), "chart-status"),
    ),
  );
}

/** Render the overview into container. */
export async function render(ctx, container) {
  const stats = await ctx.api.get("/memory/stats");
  const parts = [h("h1", {}, "Overview"), statsCard(stats)];
  if (ctx.admin) {
    const [tenants, health] = await Promise.all([
      ctx.api.get("/admin/tenants"),
      ctx.api.get("/admin/components"),
    ]);
    parts.push(tenantsTable(ctx, tenants), healthPanel(health));
  }
  replace(container, parts);
}
