// A memory's own page (#memory/<id>): the memory in full with its actions, its supersession
// chain (what retired it, what it retired, each a link) and its version history.
//
// Everything comes from the read-key routes: GET /memories/{id}, GET /memories/{id}/history
// and, for what it retired, the superseded memories of GET /memories.

import { memoryLink, showDetail } from "./detail.js";
import { h, replace, when } from "./dom.js";

const RETIRED_PAGES = 5;
const PER_PAGE = 100;

/** The memories that `id` retired: the superseded ones whose superseded_by is `id`. */
async function retiredBy(ctx, id) {
  const found = [];
  let cursor = null;
  for (let page = 0; page < RETIRED_PAGES; page += 1) {
    const answer = await ctx.api.get("/memories", { status: "superseded", cursor,
      per_page: PER_PAGE });
    found.push(...answer.items.filter((item) => item.superseded_by === id));
    cursor = answer.next_cursor;
    if (!cursor) return { found, complete: true };
  }
  return { found, complete: false };
}

function chain(memory, retired) {
  const by = memory.superseded_by
    ? h("p", { testid: "superseded-by" }, "Retired by a newer memory: ",
      memoryLink(memory.superseded_by, "superseded-by-link"),
      memory.superseded_at ? ` on ${when(memory.superseded_at)}` : "")
    : memory.status === "superseded"
      ? h("p", { testid: "superseded-by" }, "Marked outdated (no newer memory).")
      : h("p", { class: "muted", testid: "superseded-by" }, "Not superseded.");
  const list = retired.found.length
    ? h("ul", { testid: "retired" }, retired.found.map((item) =>
      h("li", {}, memoryLink(item.id, "retired-link"), " ", h("span", {}, item.text))))
    : h("p", { class: "muted", testid: "retired" }, "It retired no other memory.");
  return h(
    "div",
    { class: "card", testid: "supersession" },
    h("h2", {}, "Supersession"),
    by,
    h("h3", {}, "It retired"),
    list,
    retired.complete
      ? null
      : h("p", { class: "muted" }, `Only the first ${RETIRED_PAGES * PER_PAGE} superseded ` +
        "memories were looked through."),
  );
}

function history(versions) {
  return h(
    "div",
    { class: "card" },
    h("h2", {}, "History"),
    h(
      "table",
      { testid: "history" },
      h("thead", {}, h("tr", {}, ["Version", "Status", "Text", "Recorded", "Replaced",
        "Why"].map((title) => h("th", {}, title)))),
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
    const [versions, retired] = await Promise.all([
      ctx.api.get(`${path}/history`, { per_page: PER_PAGE }),
      retiredBy(ctx, memory.id),
    ]);
    const panel = h("div", { class: "card", testid: "memory-page" });
    replace(
      container,
      h("p", {}, h("a", { href: "#memories", testid: "back" }, "← Memories")),
      panel,
      chain(memory, retired),
      history(versions.items),
    );
    // After an action the page is drawn again from the API: status, chain and history change.
    showDetail(ctx, panel, memory, () => ctx.attempt(load), true);
  };
  await load();
}
