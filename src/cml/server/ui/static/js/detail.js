// One memory in full, with its actions (edit, forget, restore), each confirmed first.

import { fields, h, json, replace, when } from "./dom.js";

/** A link to a memory's own page (#memory/<id>). */
export function memoryLink(id, testid) {
  return h("a", { href: `#memory/${encodeURIComponent(id)}`, class: "mono", testid }, id);
}

function describe(memory) {
  const number = (value, digits = 2) =>
    value === null || value === undefined ? null : Number(value).toFixed(digits);
  return [
    ["Id", memory.id],
    ["Type", memory.type],
    ["Status", memory.status],
    ["Relevance", number(memory.relevance)],
    ["Confidence", number(memory.confidence)],
    ["Importance", number(memory.importance)],
    ["Version", memory.version],
    ["Times recalled", memory.access_count],
    ["Namespace", memory.namespace],
    ["Session", memory.session_id],
    ["Agent", memory.agent_id],
    ["Tags", (memory.context_tags || []).join(", ")],
    ["Happened", when(memory.timestamp)],
    ["Stored", when(memory.stored_at)],
    ["Updated", when(memory.updated_at)],
    ["Last recalled", when(memory.last_accessed_at)],
    ["Consolidated", when(memory.consolidated_at)],
    ["Deleted", when(memory.deleted_at)],
    ["Valid from", when(memory.valid_from)],
    ["Valid until", when(memory.valid_to)],
    ["Superseded", when(memory.superseded_at)],
    ["Superseded by", memory.superseded_by ? memoryLink(memory.superseded_by) : null],
    ["Derived from", (memory.provenance || []).join(", ")],
  ];
}

/**
 * Show memory in panel. onChange(memory) is called after an action changed it (the object
 * is updated in place from the API's answer). page: drawn on the memory's own page (no link
 * to it).
 */
export function showDetail(ctx, panel, memory, onChange, page = false) {
  const draw = () => {
    const forgotten = memory.status === "deleted";
    const restorable = forgotten || memory.status === "silent" || memory.status === "superseded";
    const text = h("p", { class: "memory-text", testid: "detail-text" }, memory.text);
    const actions = h(
      "div",
      { class: "buttons" },
      forgotten ? null : h("button", { type: "button", testid: "edit", onclick: edit }, "Edit"),
      forgotten
        ? null
        : h("button", { type: "button", class: "danger", testid: "forget", onclick: forget },
          "Forget"),
      restorable
        ? h("button", { type: "button", testid: "restore", onclick: restore }, "Restore")
        : null,
    );
    replace(
      panel,
      h("h2", {}, "Memory"),
      page ? null : h("p", {}, h("a", { href: `#memory/${encodeURIComponent(memory.id)}`,
        testid: "open-page" }, "Open its page (history, supersession)")),
      text,
      actions,
      fields(describe(memory), "detail-fields"),
      Object.keys(memory.metadata || {}).length
        ? [h("h3", {}, "Metadata"), json(memory.metadata, "detail-metadata")]
        : null,
    );
    panel.hidden = false;
  };

  const changed = () => {
    draw();
    onChange(memory);
  };

  async function edit() {
    const area = h("textarea", { rows: 6, testid: "edit-text" });
    area.value = memory.text;
    const save = async () => {
      const text = area.value;
      if (!text.trim() || text === memory.text) return;
      if (!(await ctx.confirm(`Save the new text of memory ${memory.id}? Its version increments.`))) {
        return;
      }
      const answer = await ctx.attempt(() =>
        ctx.api.post("/memory/update", { memory_id: memory.id, text }));
      if (!answer) return;
      memory.text = text;
      memory.version = answer.version;
      changed();
    };
    replace(
      panel,
      h("h2", {}, "Edit memory"),
      area,
      h(
        "div",
        { class: "buttons" },
        h("button", { type: "button", testid: "edit-save", onclick: save }, "Save"),
        h("button", { type: "button", onclick: draw }, "Cancel"),
      ),
    );
    area.focus();
  }

  async function forget() {
    const ok = await ctx.confirm(
      `Forget memory ${memory.id}? It is soft-deleted: restorable until the tenant is purged.`);
    if (!ok) return;
    const answer = await ctx.attempt(() =>
      ctx.api.post("/memory/forget", { memory_ids: [memory.id] }));
    if (!answer) return;
    if (answer.affected_count) {
      memory.status = "deleted";
      memory.deleted_at = new Date().toISOString();
    }
    changed();
  }

  async function restore() {
    if (!(await ctx.confirm(`Restore memory ${memory.id}? It becomes active again` +
      (memory.status === "superseded" ? " (the supersession is undone)." : ".")))) return;
    const answer = await ctx.attempt(() =>
      ctx.api.post("/memory/restore", { memory_ids: [memory.id] }));
    if (!answer) return;
    if (answer.affected_count) {
      memory.status = "active";
      memory.deleted_at = null;
      memory.superseded_at = null;
      memory.superseded_by = null;
    }
    changed();
  }

  draw();
}
