// Charts drawn as inline SVG from numbers; labels are SVG text nodes (never markup).

import { h, s } from "./dom.js";

const WIDTH = 420;
const ROW = 22;
const LABEL = 130;
const VALUE = 56;

/**
 * A horizontal bar chart of [label, value] pairs, largest first.
 * An empty or all-zero series is shown as a sentence, not an empty frame.
 */
export function barChart(title, pairs, testid) {
  const rows = pairs.filter(([, value]) => value > 0).sort((a, b) => b[1] - a[1]);
  const figure = h("figure", { class: "chart", testid }, h("figcaption", {}, title));
  if (!rows.length) {
    figure.append(h("p", { class: "muted" }, "Nothing to show yet."));
    return figure;
  }
  const max = Math.max(...rows.map(([, value]) => value));
  const height = rows.length * ROW + 4;
  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: WIDTH,
    height,
    role: "img",
    "aria-label": title,
  });
  rows.forEach(([label, value], index) => {
    const y = index * ROW + 2;
    const span = WIDTH - LABEL - VALUE;
    const width = Math.max(2, Math.round((value / max) * span));
    svg.append(
      s("text", { x: LABEL - 8, y: y + 15, "text-anchor": "end", class: "label" }, label),
      s("rect", { x: LABEL, y: y + 3, width, height: ROW - 6, rx: 3, class: "bar" },
        s("title", {}, `${label}: ${value}`)),
      s("text", { x: LABEL + width + 6, y: y + 15, class: "value" }, String(value)),
    );
  });
  figure.append(svg);
  return figure;
}
