// Small SVG charts built node by node (no library, no inline style): bars for counts and
// shares, with marked spikes. A chart is a picture for the eye (role="img" with a summary);
// the same numbers, with buttons to drill down, are in the table each page puts beside it.

import { s } from "./dom.js";
import { formatNumber } from "./i18n.js";

const W = 520;
const H = 220;
const PAD = { top: 18, right: 8, bottom: 30, left: 44 };

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * barChart({points: [{label, value, mark, title}], max, unit, onPick, cls, summary})
 * `mark` draws the bar as a spike; `onPick(point, index)` on click.
 */
export function barChart({ points, max, unit = "", onPick, cls = "", summary }) {
  const top = niceMax(max ?? Math.max(0, ...points.map((p) => p.value ?? 0)));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const slot = iw / Math.max(points.length, 1);
  const bw = Math.max(2, Math.min(48, slot * 0.7));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: `chart ${cls}`, role: "img", "aria-label": summary || "", dir: "ltr", preserveAspectRatio: "xMidYMid meet" });
  const grid = s("g", { class: "grid" });
  for (const frac of [0, 0.5, 1]) {
    const y = PAD.top + ih * (1 - frac);
    grid.append(
      s("line", { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      s("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, `${formatNumber(Math.round(top * frac * 10) / 10)}${unit}`),
    );
  }
  svg.append(grid);
  const every = Math.ceil(points.length / 10);
  points.forEach((p, i) => {
    const x = PAD.left + slot * i + (slot - bw) / 2;
    const g = s("g", { class: `bar${p.mark ? " spike" : ""}${p.value === null || p.value === undefined ? " empty" : ""}` });
    if (p.value !== null && p.value !== undefined) {
      const bh = Math.max(p.value > 0 ? 1 : 0, (ih * p.value) / top);
      const rect = s("rect", { x, y: PAD.top + ih - bh, width: bw, height: bh, rx: 2 });
      rect.append(s("title", null, p.title || `${p.label}: ${p.value}${unit}`));
      g.append(rect);
      if (p.mark) g.append(s("path", { class: "marker", d: `M${x + bw / 2 - 5},${PAD.top + ih - bh - 10} h10 l-5,7 z` }));
    }
    // A transparent full-height target makes thin bars easy to click.
    if (onPick) {
      const hit = s("rect", { class: "hit", x: PAD.left + slot * i, y: PAD.top, width: slot, height: ih });
      hit.addEventListener("click", () => onPick(p, i));
      g.append(hit);
    }
    if (i % every === 0) {
      g.append(s("text", { x: x + bw / 2, y: H - PAD.bottom + 16, "text-anchor": "middle", class: "tick" }, p.short || p.label));
    }
    svg.append(g);
  });
  svg.append(s("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: PAD.top + ih, y2: PAD.top + ih }));
  return svg;
}
