// The event log: the newest page, then new events live as they happen (server-sent events,
// resumed after a dropped connection from the last event received).

import { card, h, replace, table, when } from "./dom.js";

const TYPES = [
  "memory.write", "memory.batch_write", "memory.update", "memory.forget", "memory.restore",
  "memory.purge", "consolidation.run", "forgetting.run", "key.create", "key.revoke",
];
const SHOWN = 200;

function rowOf(event, fresh) {
  const ids = event.memory_ids || [];
  return h(
    "tr",
    { testid: "event-row", "data-id": event.id, class: fresh ? "fresh" : null },
    h("td", { class: "num" }, event.id),
    h("td", { class: "nowrap" }, when(event.created_at)),
    h("td", {}, h("span", { class: "badge" }, event.event_type)),
    h("td", {}, event.actor || ""),
    h("td", { class: "ids" }, ids.length > 3 ? `${ids.slice(0, 3).join(", ")} +${ids.length - 3}` :
      ids.join(", ")),
    h("td", { class: "payload" }, JSON.stringify(event.payload || {})),
  );
}

/** Render the event log into container; returns the function that stops following. */
export async function render(ctx, container) {
  const type = h("select", { testid: "event-type" }, h("option", { value: "" }, "every type"),
    TYPES.map((value) => h("option", { value }, value)));
  const state = h("span", { class: "badge", testid: "stream-state" }, "connecting");
  const summary = h("p", { class: "muted" });
  const body = h("tbody", { testid: "events" });
  let stop = () => {};
  // Only the latest load shows and follows (the filter may change while a page is on its way).
  let generation = 0;

  async function load() {
    const mine = ++generation;
    stop();
    stop = () => {};
    const eventType = type.value || null;
    const page = await ctx.attempt(() =>
      ctx.api.get("/admin/events", { per_page: 50, event_type: eventType }));
    if (!page || mine !== generation) return;
    summary.textContent = `${page.total} events in the log of ${ctx.tenant}; newest first.`;
    replace(body, page.items.map((event) => rowOf(event, false)));
    // Resume right after the newest event shown, so nothing falls between page and stream.
    const lastId = page.items.length ? page.items[0].id : 0;
    stop = ctx.api.followEvents({
      lastId,
      eventType,
      onEvent: (event) => {
        body.prepend(rowOf(event, true));
        while (body.children.length > SHOWN) body.lastElementChild.remove();
      },
      onState: (text) => {
        // How many times the stream was (re)opened: visible to tests and users' automation.
        if (text === "live") {
          state.dataset.connections = String(Number(state.dataset.connections || 0) + 1);
        }
        state.textContent = text;
        state.className = `badge ${text === "live" ? "healthy" : "pending"}`;
      },
    });
  }

  type.addEventListener("change", load);
  replace(
    container,
    h("h1", {}, "Events"),
    card(null, {},
      h("div", { class: "row" }, h("label", {}, "Type ", type), h("span", {}, "Stream: ", state)),
      summary,
      table({}, ["Id", "Time", "Type", "Actor", "Memories", "Details"], body)),
  );
  await load();
  return () => {
    generation += 1;
    stop();
  };
}
