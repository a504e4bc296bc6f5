/**
 * Inline SVG charts for the HTML report, written by hand so the page needs no script and no
 * network. Each chart is a `<figure>` with `data-chart` (its kind) and counts of what it drew
 * (`data-points`, `data-bars`), an SVG with `role="img"`, a `<title>` and a `<desc>` that say in
 * words what it shows, and a visible caption. Colours come from CSS classes (`challenger`,
 * `champion`, `candidate`), so the page's light and dark themes apply. Every text is escaped.
 */
import { escapeHtml } from "./escape-markdown.js";
import { formatNumber } from "./format-number.js";
import {
  HEIGHT,
  MARGIN,
  WIDTH,
  axes,
  extent,
  figure,
  legend,
  niceTicks,
  r1,
  scale,
  type FigureText,
} from "./svg-figure.js";

export { niceTicks, sampleIndices, type FigureText } from "./svg-figure.js";

export interface PointSeries {
  name: string;
  kind: "challenger" | "champion";
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface ScatterOptions extends FigureText {
  xLabel: string;
  yLabel: string;
  series: PointSeries[];
  /** Draw y = x (a perfect prediction). */
  identity?: boolean;
  /** Draw y = 0 (no error). */
  zero?: boolean;
  /** Also draw a line through the points, in order (calibration curves). */
  connect?: boolean;
}

/** A scatter chart; non-finite points are skipped, and `data-points` counts what was drawn. */
export function scatterChart(o: ScatterOptions): string {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series)
    for (let i = 0; i < s.x.length; i++) {
      xs.push(s.x[i]!);
      ys.push(s.y[i]!);
    }
  let xd = extent(xs);
  let yd = extent(ys);
  if (o.identity) xd = yd = extent([...xs, ...ys]);
  if (o.zero) yd = extent([...ys, 0]);
  const x = scale(xd, [MARGIN.left, WIDTH - MARGIN.right]);
  const y = scale(yd, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const parts = [axes(x, y, niceTicks(...xd), niceTicks(...yd), o.xLabel, o.yLabel)];
  if (o.identity) {
    const lo = Math.max(xd[0], yd[0]);
    const hi = Math.min(xd[1], yd[1]);
    parts.push(
      `<line class="reference" x1="${r1(x(lo))}" y1="${r1(y(lo))}" x2="${r1(x(hi))}" y2="${r1(y(hi))}"/>`,
    );
  }
  if (o.zero)
    parts.push(
      `<line class="reference" x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${r1(y(0))}" y2="${r1(y(0))}"/>`,
    );
  const counts: Record<string, number> = {};
  let total = 0;
  // The champion first, so the challenger's points lie on top.
  for (const s of [...o.series].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "champion" ? -1 : 1))) {
    const dots: string[] = [];
    const path: string[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const px = s.x[i]!;
      const py = s.y[i]!;
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      const cx = r1(x(px));
      const cy = r1(y(py));
      dots.push(`<circle class="pt" cx="${cx}" cy="${cy}" r="${o.connect ? 3.5 : 2.6}"/>`);
      path.push(`${path.length === 0 ? "M" : "L"}${cx} ${cy}`);
    }
    counts[s.kind] = dots.length;
    total += dots.length;
    if (o.connect && path.length > 1) parts.push(`<path class="curve ${s.kind}" d="${path.join("")}"/>`);
    parts.push(
      `<g class="series ${s.kind}" data-series="${s.kind}" data-points="${dots.length}">${dots.join("")}</g>`,
    );
  }
  if (o.series.length > 1)
    parts.push(
      legend(
        o.series.map((s) => ({ kind: s.kind, name: s.name, ring: s.kind === "champion" && !o.connect })),
        MARGIN.left + 12,
        MARGIN.top + 12,
      ),
    );
  return figure(
    o,
    { points: total, ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`${k}-points`, v])) },
    parts.join(""),
  );
}

const BOTH = [
  { kind: "champion", name: "champion" },
  { kind: "challenger", name: "challenger" },
];

export interface BarGroup {
  label: string;
  challenger: number | null;
  champion: number | null;
  /** Drawn in bold with a marker. */
  flagged?: boolean;
  note?: string;
}

export interface BarOptions extends FigureText {
  valueLabel: string;
  groups: BarGroup[];
  withChampion: boolean;
}

/** Horizontal bars per group, champion and challenger side by side; labels cut to fit, in full in a tooltip. */
export function barChart(o: BarOptions): string {
  const rowHeight = o.withChampion ? 32 : 20;
  const labelWidth = 150;
  const height = MARGIN.top + 28 + o.groups.length * rowHeight + 34;
  const values = o.groups
    .flatMap((g) => [g.challenger, g.champion])
    .filter((v): v is number => v !== null && Number.isFinite(v));
  const hi = Math.max(0, ...values);
  const lo = Math.min(0, ...values);
  const domain: [number, number] = hi === lo ? [0, 1] : [lo, hi + (hi - lo) * 0.04];
  const left = labelWidth + 12;
  const right = WIDTH - 56;
  const x = scale(domain, [left, right]);
  const top = MARGIN.top + 22;
  const parts: string[] = ['<g class="axes" aria-hidden="true">'];
  for (const t of niceTicks(...domain, 4)) {
    const xx = r1(x(t));
    parts.push(
      `<line class="grid" x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${top + o.groups.length * rowHeight}"/>`,
      `<text class="tick" x="${xx}" y="${top + o.groups.length * rowHeight + 14}" text-anchor="middle">${escapeHtml(formatNumber(t, 3))}</text>`,
    );
  }
  parts.push(
    `<text class="label" x="${(left + right) / 2}" y="${height - 6}" text-anchor="middle">${escapeHtml(o.valueLabel)}</text>`,
    "</g>",
  );
  let bars = 0;
  const zero = x(Math.max(domain[0], Math.min(0, domain[1])));
  o.groups.forEach((g, k) => {
    const y0 = top + k * rowHeight;
    const short = [...g.label].length > 22 ? `${[...g.label].slice(0, 21).join("")}…` : g.label;
    parts.push(
      `<g class="row${g.flagged ? " flagged" : ""}"><title>${escapeHtml(`${g.label}: challenger ${formatNumber(g.challenger)}${o.withChampion ? `, champion ${formatNumber(g.champion)}` : ""}${g.note ? ` (${g.note})` : ""}`)}</title>`,
      `<text class="group" x="${labelWidth}" y="${r1(y0 + rowHeight / 2)}" text-anchor="end" dominant-baseline="middle">${g.flagged ? "⚠ " : ""}${escapeHtml(short)}</text>`,
    );
    const series: ["champion" | "challenger", number | null][] = o.withChampion
      ? [
          ["champion", g.champion],
          ["challenger", g.challenger],
        ]
      : [["challenger", g.challenger]];
    const barHeight = o.withChampion ? 11 : 14;
    series.forEach(([kind, v], j) => {
      const top = y0 + 4 + j * (barHeight + 2);
      const middle = r1(top + barHeight / 2);
      if (v === null || !Number.isFinite(v)) {
        parts.push(
          `<text class="tick" x="${r1(zero + 4)}" y="${middle}" dominant-baseline="middle">${escapeHtml(g.note ?? "—")}</text>`,
        );
        return;
      }
      const a = Math.min(zero, x(v));
      const w = Math.max(0.5, Math.abs(x(v) - zero));
      bars++;
      parts.push(
        `<rect class="bar ${kind}" x="${r1(a)}" y="${r1(top)}" width="${r1(w)}" height="${barHeight}" rx="2"/>`,
        `<text class="value ${kind}" x="${r1(Math.max(a + w, zero) + 4)}" y="${middle}" dominant-baseline="middle">${escapeHtml(formatNumber(v, 3))}</text>`,
      );
    });
    parts.push("</g>");
  });
  if (o.withChampion) parts.push(legend(BOTH, left + 4, MARGIN.top + 2, true));
  return figure(o, { groups: o.groups.length, bars }, parts.join(""), WIDTH, height);
}

export interface LinePoint {
  label: string;
  value: number;
  /** The candidate of this report, drawn apart. */
  candidate?: boolean;
}

export interface LineOptions extends FigureText {
  valueLabel: string;
  points: LinePoint[];
}

/** A metric across versions: a line through the registry's versions, the candidate marked. */
export function lineChart(o: LineOptions): string {
  const n = o.points.length;
  const yd = extent(
    o.points.map((p) => p.value),
    0.12,
  );
  const x = scale([0, Math.max(1, n - 1)], [MARGIN.left + 20, WIDTH - MARGIN.right - 20]);
  const y = scale(yd, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const parts = [axes(x, y, [], niceTicks(...yd), "version", o.valueLabel)];
  const step = Math.max(1, Math.ceil(n / 12));
  o.points.forEach((p, k) => {
    if (k % step === 0 || k === n - 1)
      parts.push(
        `<text class="tick" x="${r1(x(k))}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" aria-hidden="true">${escapeHtml(p.label)}</text>`,
      );
  });
  const history = o.points.map((p, k) => ({ p, k })).filter(({ p }) => !p.candidate);
  if (history.length > 1)
    parts.push(
      `<path class="curve champion" d="${history.map(({ k, p }, j) => `${j === 0 ? "M" : "L"}${r1(x(k))} ${r1(y(p.value))}`).join("")}"/>`,
    );
  const last = history.at(-1);
  const candidate = o.points.findIndex((p) => p.candidate);
  if (last && candidate >= 0)
    parts.push(
      `<path class="curve candidate dashed" d="M${r1(x(last.k))} ${r1(y(last.p.value))}L${r1(x(candidate))} ${r1(y(o.points[candidate]!.value))}"/>`,
    );
  const dots = o.points.map(
    (p, k) =>
      `<circle class="pt ${p.candidate ? "candidate" : "champion"}" cx="${r1(x(k))}" cy="${r1(y(p.value))}" r="${p.candidate ? 5.5 : 4}"><title>${escapeHtml(`${p.label}: ${formatNumber(p.value)}`)}</title></circle>` +
      `<text class="value" x="${r1(x(k))}" y="${r1(y(p.value) - 10)}" text-anchor="middle">${escapeHtml(formatNumber(p.value, 3))}</text>`,
  );
  parts.push(`<g data-points="${n}">${dots.join("")}</g>`);
  return figure(o, { points: n }, parts.join(""));
}

export interface IntervalRow {
  label: string;
  champion: { value: number | null; ci: { lower: number; upper: number } | null } | null;
  challenger: { value: number | null; ci: { lower: number; upper: number } | null };
  /** A short note on the right (the change). */
  note: string;
}

export interface IntervalOptions extends FigureText {
  rows: IntervalRow[];
}

/**
 * Champion and challenger side by side, one row per metric on its own scale: each value a dot,
 * its bootstrap interval a whisker (metrics differ in units, so a shared axis would hide most).
 */
export function intervalChart(o: IntervalOptions): string {
  const rowHeight = 48;
  const height = MARGIN.top + 22 + o.rows.length * rowHeight + 8;
  const left = 120;
  const right = WIDTH - 120;
  const parts: string[] = [];
  let points = 0;
  o.rows.forEach((row, k) => {
    const y0 = MARGIN.top + 22 + k * rowHeight;
    const entries: ["champion" | "challenger", IntervalRow["challenger"]][] = row.champion
      ? [
          ["champion", row.champion],
          ["challenger", row.challenger],
        ]
      : [["challenger", row.challenger]];
    const values = entries
      .flatMap(([, e]) => [e.value, e.ci?.lower, e.ci?.upper])
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    const x = scale(extent(values, 0.08), [left, right]);
    parts.push(
      `<g class="metric-row">`,
      `<line class="grid" x1="${left}" x2="${right}" y1="${y0 + rowHeight - 6}" y2="${y0 + rowHeight - 6}" aria-hidden="true"/>`,
      `<text class="group" x="${left - 10}" y="${y0 + rowHeight / 2 - 3}" text-anchor="end" dominant-baseline="middle">${escapeHtml(row.label)}</text>`,
      `<text class="value" x="${right + 10}" y="${y0 + rowHeight / 2 - 3}" dominant-baseline="middle">${escapeHtml(row.note)}</text>`,
    );
    entries.forEach(([kind, e], j) => {
      const yy = y0 + 12 + j * 14;
      if (e.ci)
        parts.push(
          `<line class="whisker ${kind}" x1="${r1(x(e.ci.lower))}" x2="${r1(x(e.ci.upper))}" y1="${yy}" y2="${yy}"/>`,
        );
      if (e.value !== null && Number.isFinite(e.value)) {
        points++;
        parts.push(
          `<circle class="pt ${kind}" cx="${r1(x(e.value))}" cy="${yy}" r="4.5"><title>${escapeHtml(`${row.label}, ${kind}: ${formatNumber(e.value)}${e.ci ? ` [${formatNumber(e.ci.lower)}, ${formatNumber(e.ci.upper)}]` : ""}`)}</title></circle>`,
        );
      }
    });
    parts.push("</g>");
  });
  if (o.rows.some((r) => r.champion)) parts.push(legend(BOTH, left, MARGIN.top, true));
  return figure(o, { metrics: o.rows.length, points }, parts.join(""), WIDTH, height);
}

/** One bin (or category) of a distribution: the share of values on each side. */
export interface DistributionBin {
  label: string;
  training: number;
  current: number;
  /** Drawn in bold with a marker (a value the production model never saw). */
  flagged?: boolean;
}

export interface DistributionOptions extends FigureText {
  /** In display order: numeric bins by edge, with the outer bins first and last. */
  bins: DistributionBin[];
  /** Legend names of the two sides; default "training" and "new". */
  names?: { training: string; current: string };
}

/**
 * Two distributions side by side, one row per bin: the training share and the new share as a
 * pair of bars on one scale. Every bin gets both bars, an empty share a hairline, so `data-bars`
 * is twice `data-bins`. Colours come from the `training` and `current` classes.
 */
export function distributionChart(o: DistributionOptions): string {
  const names = o.names ?? { training: "training", current: "new" };
  const rowHeight = 26;
  const barHeight = 10;
  const labelWidth = 150;
  const top = MARGIN.top + 22;
  const height = top + o.bins.length * rowHeight + 34;
  const shares = o.bins.flatMap((b) => [b.training, b.current]).filter((v) => Number.isFinite(v));
  const hi = Math.max(0, ...shares);
  const domain: [number, number] = hi > 0 ? [0, hi * 1.04] : [0, 1];
  const left = labelWidth + 12;
  const right = WIDTH - 56;
  const x = scale(domain, [left, right]);
  const percent = (v: number) => `${formatNumber(v * 100, 3)}%`;
  const bottom = top + o.bins.length * rowHeight;
  const parts: string[] = ['<g class="axes" aria-hidden="true">'];
  for (const t of niceTicks(...domain, 4)) {
    const xx = r1(x(t));
    parts.push(
      `<line class="grid" x1="${xx}" x2="${xx}" y1="${top - 4}" y2="${bottom}"/>`,
      `<text class="tick" x="${xx}" y="${bottom + 14}" text-anchor="middle">${escapeHtml(percent(t))}</text>`,
    );
  }
  parts.push(
    `<text class="label" x="${(left + right) / 2}" y="${height - 6}" text-anchor="middle">share of values</text>`,
    "</g>",
  );
  let bars = 0;
  o.bins.forEach((b, k) => {
    const y0 = top + k * rowHeight;
    const chars = [...b.label];
    const short = chars.length > 22 ? `${chars.slice(0, 21).join("")}…` : b.label;
    parts.push(
      `<g class="row${b.flagged ? " flagged" : ""}"><title>${escapeHtml(`${b.label}: ${names.training} ${percent(b.training)}, ${names.current} ${percent(b.current)}`)}</title>`,
      `<text class="group" x="${labelWidth}" y="${r1(y0 + rowHeight / 2)}" text-anchor="end" dominant-baseline="middle">${b.flagged ? "⚠ " : ""}${escapeHtml(short)}</text>`,
    );
    (["training", "current"] as const).forEach((kind, j) => {
      const v = Number.isFinite(b[kind]) ? Math.max(0, b[kind]) : 0;
      const y = y0 + 2 + j * (barHeight + 2);
      const w = Math.max(0.5, x(v) - left);
      bars++;
      parts.push(
        `<rect class="bar ${kind}" x="${left}" y="${y}" width="${r1(w)}" height="${barHeight}" rx="2"/>`,
        `<text class="value ${kind}" x="${r1(left + w + 4)}" y="${r1(y + barHeight / 2)}" dominant-baseline="middle">${escapeHtml(percent(v))}</text>`,
      );
    });
    parts.push("</g>");
  });
  parts.push(
    legend(
      [
        { kind: "training", name: names.training },
        { kind: "current", name: names.current },
      ],
      left + 4,
      MARGIN.top + 2,
      true,
    ),
  );
  return figure(o, { bins: o.bins.length, bars }, parts.join(""), WIDTH, height);
}
