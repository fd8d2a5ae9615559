// Building the page from data. Text is only ever inserted as text nodes: memory content,
// metadata and event payloads are untrusted and must never become markup.

const PROPERTIES = new Set(["value", "checked", "disabled", "hidden", "selected", "open"]);

function fill(el, props, children) {
  for (const [name, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "testid") {
      el.setAttribute("data-testid", String(value));
    } else if (PROPERTIES.has(name)) {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h("td", {class: "num"}, "text", otherNode). */
export function h(tag, props, ...children) {
  return fill(document.createElement(tag), props, children);
}

/** An SVG element, same calling convention as h(). */
export function s(tag, props, ...children) {
  return fill(document.createElementNS("http://www.w3.org/2000/svg", tag), props, children);
}

/** A card: a panel of the page under its title (no heading when title is null). */
export function card(title, props, ...children) {
  return h("div", { ...props, class: "card" }, title === null ? null : h("h2", {}, title),
    children);
}

/** A table under a header row of column titles (a null title is left out). */
export function table(props, titles, ...children) {
  return h("table", props,
    h("thead", {}, h("tr", {}, titles.map((title) => title === null ? null : h("th", {}, title)))),
    children);
}

/** Replace an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return fill(el, {}, children);
}

/** A date-time for people (local time), or an empty string. */
export function when(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** A byte count for people. */
export function bytes(value) {
  if (value === null || value === undefined) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let n = value;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit += 1;
  }
  return `${n.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

/** A value from a datetime-local input as ISO 8601 UTC, or null. */
export function isoFromInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** A definition list from [term, value] pairs, leaving out empty values. */
export function fields(pairs, testid) {
  const dl = h("dl", { class: "fields", testid });
  for (const [term, value] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(h("dt", {}, term), h("dd", {}, value));
  }
  return dl;
}

/** Pretty JSON as a text block. */
export function json(value, testid) {
  return h("pre", { class: "json", testid }, JSON.stringify(value, null, 2));
}
