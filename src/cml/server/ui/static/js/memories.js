// The memory browser: search with the real read (relevance shown) or list the tenant's
// memories page by page (GET /memories, a read key is enough; keyset cursors: paging never
// skips), and a memory's detail.

import { showDetail } from "./detail.js";
import { card, h, isoFromInput, replace, table, when } from "./dom.js";

const TYPES = [
  "episodic_event", "semantic_fact", "preference", "procedure", "constraint", "hypothesis",
  "task_state", "conversation", "message", "tool_result", "reasoning_step", "scratch",
  "knowledge", "observation", "plan",
];
const STATUSES = ["active", "silent", "superseded", "compressed", "archived", "deleted", "all"];
const PAGE_SIZE = 50;

function select(id, options, first) {
  return h(
    "select",
    { id, testid: id },
    first ? h("option", { value: "" }, first) : null,
    options.map((value) => h("option", { value }, value)),
  );
}

function input(id, props) {
  return h("input", { id, testid: id, ...props });
}

function label(text, control) {
  return h("label", {}, text, control);
}

/**
 * The metadata filter typed as "key=value, key=value": an object, each value read as JSON
 * when it is JSON (a number, true, "quoted") and as a string otherwise. null when empty.
 * Throws an Error naming the fix on a pair without "=".
 */
export function metadataFilter(text) {
  const result = {};
  for (const pair of text.split(",")) {
    if (!pair.trim()) continue;
    const equals = pair.indexOf("=");
    const name = equals < 0 ? "" : pair.slice(0, equals).trim();
    if (!name) throw new Error(`Metadata filter "${pair.trim()}": write key=value.`);
    const raw = pair.slice(equals + 1).trim();
    let value = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    result[name] = value;
  }
  return Object.keys(result).length ? result : null;
}

/** Render the browser into container. */
export async function render(ctx, container) {
  const form = h("form", { class: "card filters", action: "#" });
  const query = input("search", { type: "search", placeholder: "What to look for…",
    maxlength: 4000, class: "wide" });
  const namespace = input("filter-namespace", { placeholder: "any" });
  const session = input("filter-session", { placeholder: "any" });
  const type = select("filter-type", TYPES, "any type");
  const since = input("filter-since", { type: "datetime-local" });
  const until = input("filter-until", { type: "datetime-local" });
  const silent = input("filter-silent", { type: "checkbox" });
  const status = select("filter-status", STATUSES);
  const metadata = input("filter-metadata", { placeholder: "key=value, key=value", class: "wide" });
  form.append(
    h("div", { class: "row" }, query,
      h("button", { type: "submit", testid: "search-submit" }, "Search"),
      h("button", { type: "button", testid: "list-submit", onclick: () => list(null) },
        "List all")),
    h("div", { class: "row" },
      label("Namespace", namespace),
      label("Session", session),
      label("Type", type),
      label("Status (list)", status)),
    h("div", { class: "row" }, label("Metadata", metadata)),
    h("div", { class: "row" },
      label("From (search)", since),
      label("Until (search)", until),
      label("Include silent (search)", silent)),
  );

  const summary = h("p", { class: "muted", testid: "results-summary" });
  const body = h("tbody");
  const more = h("div", { class: "buttons" });
  const panel = h("aside", { class: "card detail", testid: "memory-detail", hidden: true });
  let items = [];
  let mode = "search";
  // Only the answer to the latest request is shown (a slow listing never replaces a search).
  let latest = 0;

  const rowOf = (memory) =>
    h(
      "tr",
      { testid: "memory-row", "data-id": memory.id, class: "clickable",
        onclick: () => showDetail(ctx, panel, memory, drawRows) },
      h("td", { class: "num", testid: "relevance" },
        mode === "search" ? memory.relevance.toFixed(2) : ""),
      h("td", {}, memory.type),
      h("td", {}, h("span", { class: `badge ${memory.status}` }, memory.status)),
      h("td", { class: "text", testid: "memory-text" }, memory.text),
      h("td", {}, memory.namespace || ""),
      h("td", { class: "nowrap" }, when(memory.timestamp)),
    );

  function drawRows() {
    replace(body, items.map(rowOf));
  }

  /** The metadata filter, or undefined (an error shown) when it cannot be read. */
  function metadataValue() {
    try {
      return metadataFilter(metadata.value);
    } catch (error) {
      ctx.showError(error);
      metadata.focus();
      return undefined;
    }
  }

  async function search() {
    const text = query.value.trim();
    if (!text) {
      query.focus();
      return;
    }
    const filter = metadataValue();
    if (filter === undefined) return;
    const request = {
      metadata: filter,
      query: text,
      format: "list",
      max_results: PAGE_SIZE,
      namespace: namespace.value.trim() || null,
      session_id: session.value.trim() || null,
      memory_types: type.value ? [type.value] : null,
      since: isoFromInput(since.value),
      until: isoFromInput(until.value),
      include_silent: silent.checked,
    };
    const mine = ++latest;
    const answer = await ctx.attempt(() => ctx.api.post("/memory/read", request));
    if (!answer || mine !== latest) return;
    mode = "search";
    items = answer.memories;
    replace(more);
    summary.textContent = `${items.length} memories for “${text}”, most relevant first ` +
      `(${answer.elapsed_ms.toFixed(0)} ms).`;
    drawRows();
  }

  // Keyset paging: the cursors of the pages before this one, to go back.
  const previous = [];
  let current = null;

  async function list(cursor, back = false) {
    const filter = metadataValue();
    if (filter === undefined) return;
    const mine = ++latest;
    const answer = await ctx.attempt(() => ctx.api.get("/memories", {
      cursor,
      per_page: PAGE_SIZE,
      status: status.value,
      memory_types: type.value || null,
      namespace: namespace.value.trim() || null,
      metadata: filter ? JSON.stringify(filter) : null,
    }));
    if (!answer || mine !== latest) return;
    if (cursor === null && !back) previous.length = 0;
    else if (!back) previous.push(current);
    current = cursor;
    mode = "list";
    items = answer.items;
    summary.textContent =
      `Page ${previous.length + 1}: ${items.length} memories in creation order.`;
    replace(
      more,
      previous.length
        ? h("button", { type: "button", testid: "previous-page",
          onclick: () => list(previous.pop(), true) }, "Previous page")
        : null,
      answer.next_cursor
        ? h("button", { type: "button", testid: "next-page",
          onclick: () => list(answer.next_cursor) }, "Next page")
        : null,
    );
    drawRows();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });

  replace(
    container,
    h("h1", {}, "Memories"),
    form,
    h(
      "div",
      { class: "split" },
      card(
        null,
        {},
        summary,
        table(
          { testid: "results" },
          ["Relevance", "Type", "Status", "Text", "Namespace", "Happened"],
          body,
        ),
        more,
      ),
      panel,
    ),
  );
  await list(null);
  query.focus();
}
