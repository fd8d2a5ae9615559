// Operations on the tenant (admin): forgetting preview then apply, consolidation, purge.

import { barChart } from "./charts.js";
import { memoryLink } from "./detail.js";
import { card, fields, h, isoFromInput, replace, table } from "./dom.js";

const SHOWN = 100;

/**
 * Forget one memory of the preview now (POST /memory/forget, a soft delete), after a
 * confirmation; the row then says so. The rest of the plan is left as it was.
 */
async function forgetOne(ctx, decision, row) {
  const ok = await ctx.confirm(`Forget memory ${decision.memory_id} now? It is soft-deleted ` +
    `(restorable until the tenant is purged); the plan proposed ${decision.action}.`);
  if (!ok) return;
  const answer = await ctx.attempt(() =>
    ctx.api.post("/memory/forget", { memory_ids: [decision.memory_id] }));
  if (!answer) return;
  replace(row.querySelector("td.outcome"), answer.affected_count ? "forgotten" : "already gone");
  row.querySelector("button").disabled = true;
  row.classList.add("revoked");
}

function decisions(ctx, report) {
  const changed = report.memories.filter((m) => m.action !== "KEEP");
  if (!changed.length) return h("p", { class: "muted" }, "Every memory is kept.");
  const row = (m) => {
    const tr = h(
      "tr",
      { testid: "forget-decision", "data-id": m.memory_id },
      h("td", {}, memoryLink(m.memory_id)),
      h("td", { class: "num" }, m.score.toFixed(2)),
      h("td", {}, h("span", { class: `badge ${m.action.toLowerCase()}` }, m.action)),
      h("td", {}, m.reason || ""),
      h("td", { class: "outcome" }, m.applied ? "yes" : ""),
    );
    // Only a preview offers it: an applied plan already acted on every row.
    if (report.dry_run) {
      tr.append(h("td", {}, h("button", { type: "button", class: "danger small",
        testid: "forget-one", onclick: () => forgetOne(ctx, m, tr) }, "Forget")));
    }
    return tr;
  };
  return table(
    { testid: "forget-plan" },
    ["Memory", "Score", "Action", "Reason", "Applied", report.dry_run ? "" : null],
    h("tbody", {}, changed.slice(0, SHOWN).map(row)),
    changed.length > SHOWN
      ? h("caption", {}, `First ${SHOWN} of ${changed.length} changes.`)
      : null,
  );
}

function forgetting(ctx) {
  const namespace = h("input", { testid: "forget-namespace", placeholder: "every namespace" });
  const result = h("div", { testid: "forget-result" });

  const show = (report) => {
    replace(
      result,
      h("p", { testid: "forget-summary" }, report.dry_run
        ? `Preview: ${report.total_scored} memories scored; nothing was changed.`
        : `Applied: ${report.applied} of ${report.total_scored} memories changed.`),
      barChart("Actions", Object.entries(report.actions), "forget-actions"),
      decisions(ctx, report),
      report.dry_run && Object.entries(report.actions).some(([a, n]) => a !== "KEEP" && n)
        ? h("button", { type: "button", class: "danger", testid: "forget-apply",
          onclick: apply }, "Apply this plan")
        : null,
    );
  };

  const body = (dryRun) => ({ user_id: namespace.value.trim() || null, dry_run: dryRun });

  async function preview() {
    const report = await ctx.attempt(() => ctx.api.post("/admin/forget", body(true)));
    if (report) show(report);
  }

  async function apply() {
    const ok = await ctx.confirm(
      `Apply active forgetting to ${ctx.tenant}? Memories are re-scored now and decayed, ` +
      "silenced, compressed or soft-deleted as planned.");
    if (!ok) return;
    const report = await ctx.attempt(() => ctx.api.post("/admin/forget", body(false)));
    if (report) show(report);
  }

  return operation("Active forgetting",
    "Scores every memory and plans to keep, decay, silence, compress or delete it. The " +
      "preview changes nothing.",
    h("label", {}, "Namespace", namespace),
    h("button", { type: "button", testid: "forget-preview", onclick: preview }, "Preview"),
    result);
}

function consolidation(ctx) {
  const namespace = h("input", { testid: "consolidate-namespace",
    placeholder: "every namespace" });
  const result = h("div", { testid: "consolidate-result" });

  async function run() {
    if (!(await ctx.confirm(`Consolidate the recent episodes of ${ctx.tenant} into facts?`))) {
      return;
    }
    const report = await ctx.attempt(() => ctx.api.post("/admin/consolidate", {
      user_id: namespace.value.trim() || null,
    }));
    if (!report) return;
    replace(result, fields([
      ["Episodes sampled", report.episodes_sampled],
      ["Clusters formed", report.clusters_formed],
      ["Facts extracted", report.facts_extracted],
      ["Facts reinforced", report.facts_reinforced],
      ["Episodes marked consolidated", report.migrations_completed],
      ["Gists by the LLM", report.llm_used ? "yes" : "no"],
      ["Took", `${report.elapsed_ms.toFixed(0)} ms`],
      ["New facts", report.fact_ids.join(", ")],
    ], "consolidate-report"));
  }

  return operation("Consolidation",
    "Clusters recent episodes and stores one fact per cluster, linked to its episodes.",
    h("label", {}, "Namespace", namespace),
    h("button", { type: "button", testid: "consolidate", onclick: run }, "Run consolidation"),
    result);
}

function purge(ctx) {
  const olderThan = h("input", { type: "datetime-local", testid: "purge-before" });
  const result = h("p", { testid: "purge-result" });

  async function run() {
    const before = isoFromInput(olderThan.value);
    const scope = before ? `deleted before ${new Date(before).toLocaleString()}` : "deleted";
    if (!(await ctx.confirm(
      `Purge every memory of ${ctx.tenant} ${scope}? This cannot be undone.`))) {
      return;
    }
    const report = await ctx.attempt(() =>
      ctx.api.post("/admin/purge", { older_than: before }));
    if (report) result.textContent = `${report.purged_count} memories purged for good.`;
  }

  return operation("Purge", "Deletes soft-deleted memories and their history for good.",
    h("label", {}, "Deleted before (optional)", olderThan),
    h("button", { type: "button", class: "danger", testid: "purge", onclick: run }, "Purge"),
    result);
}

/** One operation's card: what it does, its input and button on a row, then its result. */
function operation(title, description, input, button, result) {
  return card(title, {},
    h("p", { class: "muted" }, description),
    h("div", { class: "row" }, input, button),
    result);
}

/** Render the maintenance page into container. */
export async function render(ctx, container) {
  replace(container, h("h1", {}, `Maintenance of ${ctx.tenant}`), forgetting(ctx),
    consolidation(ctx), purge(ctx));
}
