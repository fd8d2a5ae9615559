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

const COLUMNS = { height: 160, top: 14, bottom: 22, left: 34, gap: 2, colours: 8 };

function dayLabel(iso) {
  return new Date(iso).toLocaleDateString(undefined, { month: "short", day: "numeric",
    timeZone: "UTC" });
}

/**
 * Stacked columns over time: one column per bucket of GET /memory/stats/timeline, one stacked
 * segment per memory type, with a legend of the types and their totals over the span.
 * Each column carries data-start and data-total; each segment a title "type: count".
 */
export function timelineChart(title, series, testid) {
  const figure = h("figure", { class: "chart timeline", testid }, h("figcaption", {}, title));
  const buckets = series.buckets;
  const totals = {};
  for (const bucket of buckets) {
    for (const [type, count] of Object.entries(bucket.by_type)) {
      totals[type] = (totals[type] || 0) + count;
    }
  }
  const types = Object.keys(totals).sort();
  if (!types.length) {
    figure.append(h("p", { class: "muted" }, "Nothing stored in this span."));
    return figure;
  }
  const max = Math.max(...buckets.map((bucket) => bucket.total));
  const step = Math.max(6, Math.floor(560 / buckets.length));
  const width = COLUMNS.left + buckets.length * step;
  const height = COLUMNS.top + COLUMNS.height + COLUMNS.bottom;
  const scale = COLUMNS.height / max;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": title });
  const base = COLUMNS.top + COLUMNS.height;
  svg.append(
    s("line", { x1: COLUMNS.left - 2, x2: width, y1: base, y2: base, class: "axis" }),
    s("text", { x: COLUMNS.left - 6, y: COLUMNS.top + 4, "text-anchor": "end", class: "value" },
      String(max)),
    s("text", { x: COLUMNS.left - 6, y: base, "text-anchor": "end", class: "value" }, "0"),
  );
  buckets.forEach((bucket, index) => {
    const x = COLUMNS.left + index * step;
    const column = s("g", { testid: "timeline-bucket", "data-start": bucket.start,
      "data-total": bucket.total });
    let y = base;
    for (const type of types) {
      const count = bucket.by_type[type] || 0;
      if (!count) continue;
      const tall = Math.max(1, count * scale);
      y -= tall;
      column.append(s("rect", { x, y, width: step - COLUMNS.gap, height: tall,
        class: `series s${types.indexOf(type) % COLUMNS.colours}` },
      s("title", {}, `${dayLabel(bucket.start)} ${type}: ${count}`)));
    }
    column.append(s("title", {}, `${dayLabel(bucket.start)}: ${bucket.total}`));
    svg.append(column);
  });
  const last = buckets.length - 1;
  svg.append(
    s("text", { x: COLUMNS.left, y: height - 6, class: "value" }, dayLabel(buckets[0].start)),
    s("text", { x: COLUMNS.left + last * step + step, y: height - 6, "text-anchor": "end",
      class: "value" }, dayLabel(buckets[last].start)),
  );
  const legend = h("ul", { class: "legend", testid: `${testid}-legend` }, types.map((type) =>
    h("li", { "data-type": type },
      h("span", { class: `swatch s${types.indexOf(type) % COLUMNS.colours}` }),
      `${type}: ${totals[type]}`)));
  figure.append(svg, legend);
  return figure;
}
