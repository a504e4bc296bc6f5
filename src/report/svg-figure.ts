/**
 * The parts every SVG chart of the report shares: the frame of a figure with its title,
 * description and caption, scales, ticks, axes and legends (svg-charts.ts draws the charts).
 */
import { escapeHtml } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";

/** Size of a chart's SVG in user units, and the margins around its plot area. */
export const WIDTH = 520;
export const HEIGHT = 340;
export const MARGIN = { left: 64, right: 18, top: 14, bottom: 48 };

/** One set of points of a scatter chart. */
/** What a figure says in words: its id, kind, title, description and caption. */
export interface FigureText {
  /** Unique within the page; used for the title and description ids. */
  id: string;
  /** Value of `data-chart`. */
  chart: string;
  title: string;
  /** The text alternative: what the chart shows, in words. */
  description: string;
  /** Shown under the chart (defaults to nothing). */
  caption?: string;
}

/** Rows to draw when there are more than `max`: evenly spaced by row order, so always the same. */
export function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return ticks;
}

/** Maps a data value to a position. */
export type Scale = (v: number) => number;

/** The linear map of `domain` onto `range`; a point domain maps to the range's middle. */
export function scale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + (v - d0) * k);
}

/** A padded domain over finite values; [0, 1] when there are none. */
export function extent(values: Iterable<number>, pad = 0.05): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values)
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** A coordinate rounded to a tenth, as written into the SVG. */
export const r1 = (v: number) => (Math.round(v * 10) / 10).toString();

/** A `<figure>` around an SVG body, with its data attributes, title, description and caption. */
export function figure(
  text: FigureText,
  attributes: Record<string, string | number>,
  body: string,
  width = WIDTH,
  height = HEIGHT,
): string {
  const attrs = Object.entries(attributes)
    .map(([k, v]) => ` data-${k}="${escapeHtml(String(v))}"`)
    .join("");
  const id = escapeHtml(text.id);
  return (
    `<figure class="chart" data-chart="${escapeHtml(text.chart)}"${attrs}>` +
    `<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-t">${escapeHtml(text.title)}</title><desc id="${id}-d">${escapeHtml(text.description)}</desc>` +
    body +
    "</svg>" +
    `<figcaption><strong>${escapeHtml(text.title)}</strong>${text.caption ? ` ${escapeHtml(text.caption)}` : ""}</figcaption>` +
    "</figure>"
  );
}

/** Grid lines, tick labels and axis titles of a plot area. */
export function axes(
  x: Scale,
  y: Scale,
  xTicks: number[],
  yTicks: number[],
  xLabel: string,
  yLabel: string,
): string {
  const left = MARGIN.left;
  const right = WIDTH - MARGIN.right;
  const top = MARGIN.top;
  const bottom = HEIGHT - MARGIN.bottom;
  const parts: string[] = ['<g class="axes" aria-hidden="true">'];
  for (const t of yTicks) {
    const yy = r1(y(t));
    parts.push(
      `<line class="grid" x1="${left}" x2="${right}" y1="${yy}" y2="${yy}"/>`,
      `<text class="tick" x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatNumber(t, 3))}</text>`,
    );
  }
  for (const t of xTicks) {
    const xx = r1(x(t));
    parts.push(
      `<line class="grid" x1="${xx}" x2="${xx}" y1="${top}" y2="${bottom}"/>`,
      `<text class="tick" x="${xx}" y="${bottom + 16}" text-anchor="middle">${escapeHtml(formatNumber(t, 3))}</text>`,
    );
  }
  parts.push(
    `<rect class="frame" x="${left}" y="${top}" width="${right - left}" height="${bottom - top}"/>`,
    `<text class="label" x="${(left + right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text class="label" transform="translate(14 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
    "</g>",
  );
  return parts.join("");
}

/** Keys for the series; stacked, or in a row (`across`). */
export function legend(
  items: { kind: string; name: string; ring?: boolean }[],
  x: number,
  y: number,
  across = false,
): string {
  return (
    `<g class="legend" aria-hidden="true">` +
    items
      .map((it, k) => {
        const kx = across ? x + k * 96 : x;
        const ky = across ? y : y + k * 16;
        return (
          `<circle class="key ${escapeHtml(it.kind)}${it.ring ? " ring" : ""}" cx="${kx}" cy="${ky}" r="4"/>` +
          `<text x="${kx + 9}" y="${ky}" dominant-baseline="middle">${escapeHtml(it.name)}</text>`
        );
      })
      .join("") +
    "</g>"
  );
}
