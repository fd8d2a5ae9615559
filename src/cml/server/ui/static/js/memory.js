// A memory's own page (#memory/<id>): the memory in full with its actions, its supersession
// chain in both directions (the newer memories that retired it, one after another, and the
// older ones it retired, and what those retired), each a link, and its version history.
//
// Everything comes from the read-key routes: GET /memories/{id}, GET /memories/{id}/history
// and, for what a memory retired, GET /memories?superseded_by={id}.

import { memoryLink, showDetail } from "./detail.js";
import { card, h, replace, table, when } from "./dom.js";

const PER_PAGE = 100;
/** Most memories followed in each direction of the chain. */
const MOST = 50;

/** The newer memories that retired `memory`, then the one that retired that, and so on. */
async function successors(ctx, memory) {
  const found = [];
  const seen = new Set([memory.id]);
  let next = memory.superseded_by;
  while (next && !seen.has(next) && found.length < MOST) {
    seen.add(next);
    try {
      const newer = await ctx.api.get(`/memories/${encodeURIComponent(next)}`);
      found.push(newer);
      next = newer.superseded_by;
    } catch {
      // Purged since: its id is all that is left to show.
      found.push({ id: next, text: "", status: "gone" });
      next = null;
    }
  }
  return { found, complete: !next || seen.has(next) };
}

/** What `id` retired, and what those retired, as a tree; at most MOST memories in all. */
async function retiredTree(ctx, id) {
  const seen = new Set([id]);
  let count = 0;
  let complete = true;
  const children = async (parent) => {
    const items = [];
    let cursor = null;
    do {
      const page = await ctx.api.get("/memories", { status: "all", superseded_by: parent, cursor,
        per_page: PER_PAGE });
      items.push(...page.items.filter((item) => !seen.has(item.id)));
      cursor = page.next_cursor;
    } while (cursor && count + items.length < MOST);
    if (cursor || count + items.length > MOST) complete = false;
    const kept = items.slice(0, Math.max(0, MOST - count));
    count += kept.length;
    kept.forEach((item) => seen.add(item.id));
    for (const item of kept) item.retired = await children(item.id);
    return kept;
  };
  const tree = await children(id);
  return { tree, complete };
}

function entry(item, testid) {
  return [
    memoryLink(item.id, testid),
    " ",
    h("span", { class: `badge ${item.status}` }, item.status),
    " ",
    h("span", {}, item.text),
  ];
}

function retiredList(items, depth) {
  return h("ul", depth ? {} : { testid: "retired" }, items.map((item) =>
    h("li", { "data-depth": depth }, entry(item, "retired-link"),
      item.retired.length ? retiredList(item.retired, depth + 1) : null)));
}

function chain(memory, newer, older) {
  const by = memory.superseded_by
    ? h("p", { testid: "superseded-by" }, "Retired by a newer memory: ",
      memoryLink(memory.superseded_by, "superseded-by-link"),
      memory.superseded_at ? ` on ${when(memory.superseded_at)}` : "")
    : memory.status === "superseded"
      ? h("p", { testid: "superseded-by" }, "Marked outdated (no newer memory).")
      : h("p", { class: "muted", testid: "superseded-by" }, "Not superseded.");
  const cut = h("p", { class: "muted" }, `Only the first ${MOST} memories are shown.`);
  return card(
    "Supersession",
    { testid: "supersession" },
    by,
    newer.found.length > 1
      ? [h("h3", {}, "Newer versions, oldest first"),
        h("ol", { testid: "successors" }, newer.found.map((item) =>
          h("li", {}, entry(item, "successor-link")))),
        newer.complete ? null : cut]
      : null,
    h("h3", {}, "It retired"),
    older.tree.length
      ? retiredList(older.tree, 0)
      : h("p", { class: "muted", testid: "retired" }, "It retired no other memory."),
    older.complete ? null : cut,
  );
}

function history(versions) {
  return card(
    "History",
    {},
    table(
      { testid: "history" },
      ["Version", "Status", "Text", "Recorded", "Replaced", "Why"],
      h("tbody", {}, versions.map((version) => h(
        "tr",
        { testid: "history-row", "data-version": version.version,
          class: version.current ? "current" : null },
        h("td", { class: "num" }, version.current ? `${version.version} (now)` : version.version),
        h("td", {}, h("span", { class: `badge ${version.status}` }, version.status)),
        h("td", { class: "text" }, version.text),
        h("td", { class: "nowrap" }, when(version.recorded_at)),
        h("td", { class: "nowrap" }, when(version.replaced_at)),
        h("td", {}, version.reason || ""),
      ))),
    ),
  );
}

/** Render the page of the memory `id` into container. */
export async function render(ctx, container, id) {
  const path = `/memories/${encodeURIComponent(id)}`;
  const load = async () => {
    const memory = await ctx.api.get(path);
    const [versions, newer, older] = await Promise.all([
      ctx.api.get(`${path}/history`, { per_page: PER_PAGE }),
      successors(ctx, memory),
      retiredTree(ctx, memory.id),
    ]);
    const panel = h("div", { class: "card", testid: "memory-page" });
    replace(
      container,
      h("p", {}, h("a", { href: "#memories", testid: "back" }, "← Memories")),
      panel,
      chain(memory, newer, older),
      history(versions.items),
    );
    // After an action the page is drawn again from the API: status, chain and history change.
    showDetail(ctx, panel, memory, () => ctx.attempt(load), true);
  };
  await load();
}
