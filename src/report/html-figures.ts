/**
 * The charts of one model in the HTML report (inline SVG): metrics with their intervals,
 * predictions, calibration, history and slices, each with a text description.
 */
import { cleanText } from "./escape-markdown.js";
import { formatNumber, formatPercent } from "./format-number.js";
import type { CalibrationBinJson, ModelReport } from "./report-schema.js";
import { changeVerdict } from "./change-verdict.js";
import type { MetricHistory } from "./metric-history.js";
import {
  barChart,
  intervalChart,
  lineChart,
  sampleIndices,
  scatterChart,
  type BarGroup,
  type LinePoint,
} from "./svg-charts.js";
import { VERDICT_TEXT, metricNames, metricName, directionText, formatCount, count } from "./html-format.js";

/** The test rows of one model as scored: targets and both models' predictions, row by row. */
export interface ScoredRows {
  actual: ArrayLike<number>;
  challenger: ArrayLike<number>;
  champion?: ArrayLike<number> | null;
}

/** Slice groups charted per slice column (the worst always among them); the table lists all. */
const MAX_BAR_GROUPS = 30;

/** Every metric of the challenger (and champion) with its bootstrap interval. */
export function intervalFigure(m: ModelReport, id: string): string {
  const c = m.champion?.comparable ? m.champion : null;
  const rows = metricNames(m).map((name) => {
    const e = m.challenger.metrics[name]!;
    const d = m.differences[name];
    const theirs = c?.metrics[name] ?? null;
    return {
      label: cleanText(metricName(name), 18),
      challenger: { value: e.value, ci: e.ci },
      champion: theirs ? { value: theirs.value, ci: theirs.ci } : null,
      note: d
        ? `${formatPercent(d.relativeChange)} ${VERDICT_TEXT[changeVerdict(name, d)] === "—" ? "" : VERDICT_TEXT[changeVerdict(name, d)]}`.trim()
        : formatNumber(e.value),
    };
  });
  return intervalChart({
    id,
    chart: "metrics",
    title: c ? "Champion and challenger, metric by metric" : "Challenger metrics",
    description:
      `${rows.length} metrics, each on its own scale, with bootstrap intervals as whiskers. ` +
      rows
        .map(
          (r) =>
            `${r.label}: challenger ${formatNumber(r.challenger.value)}${r.champion ? `, champion ${formatNumber(r.champion.value)}` : ""}`,
        )
        .join("; ") +
      ".",
    caption: c
      ? "Dots are the values on the test rows, whiskers their bootstrap intervals; each row has its own scale."
      : "Dots are the values on the test rows, whiskers their bootstrap intervals.",
    rows,
  });
}

/** Predicted against actual and residuals (regression) or calibration (classification), from the scored rows. */
export function predictionFigures(
  m: ModelReport,
  scored: ScoredRows,
  id: string,
  maxPoints: number,
): string[] {
  const n = Math.min(scored.actual.length, scored.challenger.length);
  const pick = sampleIndices(n, maxPoints);
  const sampled = pick.length < n;
  const take = (values: ArrayLike<number>) => Float64Array.from(pick, (i) => values[i]!);
  const actual = take(scored.actual);
  const challenger = take(scored.challenger);
  const champion =
    scored.champion && scored.champion.length >= n && m.champion?.comparable ? take(scored.champion) : null;
  const sampleNote = sampled
    ? ` Showing ${formatCount(pick.length)} of ${formatCount(n)} test rows, evenly spaced in row order.`
    : "";
  const who = champion ? "challenger (filled dots) and champion (rings)" : "challenger";
  if (m.task === "classification")
    return [calibrationFigure(actual, challenger, champion, id, n, sampleNote)];
  const series = [
    { name: "challenger", kind: "challenger" as const, x: actual, y: challenger },
    ...(champion ? [{ name: "champion", kind: "champion" as const, x: actual, y: champion }] : []),
  ];
  const residual = (p: Float64Array) => Float64Array.from(p, (v, i) => actual[i]! - v);
  return [
    scatterChart({
      id: `${id}-predicted`,
      chart: "predicted-vs-actual",
      title: "Predicted against actual",
      description: `Each dot is a test row: its actual value across, the prediction of the ${who} up. Dots on the dashed line y = x are predicted exactly.${sampleNote}`,
      caption: `Dashed line: a perfect prediction.${sampleNote}`,
      xLabel: "actual",
      yLabel: "predicted",
      identity: true,
      series,
    }),
    scatterChart({
      id: `${id}-residuals`,
      chart: "residuals",
      title: "Residuals against predicted",
      description: `Each dot is a test row: the prediction of the ${who} across, actual − predicted up. A pattern around the dashed zero line means errors that depend on the prediction.${sampleNote}`,
      caption: `Residual = actual − predicted; dashed line: no error.${sampleNote}`,
      xLabel: "predicted",
      yLabel: "residual",
      zero: true,
      series: series.map((s) => ({ ...s, x: s.y, y: residual(s.y) })),
    }),
  ];
}

/** Classification: observed positive rate against mean predicted probability in ten bins. */
function calibrationFigure(
  actual: Float64Array,
  challenger: Float64Array,
  champion: Float64Array | null,
  id: string,
  n: number,
  sampleNote: string,
): string {
  const bins = (p: Float64Array) => {
    const sum = new Float64Array(10);
    const hit = new Float64Array(10);
    const cnt = new Float64Array(10);
    p.forEach((v, i) => {
      if (!Number.isFinite(v) || !Number.isFinite(actual[i]!)) return;
      const b = Math.min(9, Math.max(0, Math.floor(v * 10)));
      sum[b]! += v;
      hit[b]! += actual[i]!;
      cnt[b]! += 1;
    });
    const x: number[] = [];
    const y: number[] = [];
    for (let b = 0; b < 10; b++)
      if (cnt[b]! > 0) {
        x.push(sum[b]! / cnt[b]!);
        y.push(hit[b]! / cnt[b]!);
      }
    return { x, y };
  };
  const series = [
    { name: "challenger", kind: "challenger" as const, ...bins(challenger) },
    ...(champion ? [{ name: "champion", kind: "champion" as const, ...bins(champion) }] : []),
  ];
  return scatterChart({
    id: `${id}-predicted`,
    chart: "predicted-vs-actual",
    title: "Calibration: predicted probability against observed rate",
    description: `${formatCount(n)} test rows in ten bins of predicted probability: each dot is a bin's mean prediction across and its share of positives up. Dots on the dashed line are calibrated.${sampleNote}`,
    caption: `Ten bins of predicted probability; dashed line: perfect calibration.${sampleNote}`,
    xLabel: "mean predicted probability",
    yLabel: "observed positive rate",
    identity: true,
    connect: true,
    series,
  });
}

/** The primary metric across registry versions, then this candidate; null without a history. */
export function historyFigure(
  m: ModelReport,
  history: MetricHistory[string] | undefined,
  id: string,
): string | null {
  if (!history || history.length === 0) return null;
  const points = [...history]
    .filter((p) => Number.isInteger(p.version) && p.value !== null && Number.isFinite(p.value))
    .sort((a, b) => a.version - b.version)
    .slice(-40)
    .map((p): LinePoint => ({ label: `v${p.version}`, value: p.value! }));
  const own = m.challenger.metrics[m.primaryMetric]?.value ?? null;
  if (own !== null && Number.isFinite(own)) points.push({ label: "this PR", value: own, candidate: true });
  if (points.length < 2) return null;
  const label = cleanText(metricName(m.primaryMetric), 40);
  return lineChart({
    id,
    chart: "history",
    title: `${label} across versions`,
    description: `${label} of each registry version, then this pull request's challenger: ${points.map((p) => `${p.label} ${formatNumber(p.value)}`).join(", ")}${directionText(m.primaryMetric)}.`,
    caption: `Registry versions, then this pull request (large dot)${directionText(m.primaryMetric)}.`,
    valueLabel: label,
    points,
  });
}

/** The primary metric per group of one slice column, the worst and largest groups charted. */
export function sliceFigure(m: ModelReport, s: ModelReport["slices"][number], id: string): string {
  const primary = m.primaryMetric;
  const withChampion = s.groups.some((g) => g.champion !== null);
  let groups = s.groups;
  if (groups.length > MAX_BAR_GROUPS) {
    const keep = new Set(
      groups
        .map((g, k) => ({ g, k }))
        .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
        .slice(0, MAX_BAR_GROUPS)
        .map((x) => x.k),
    );
    groups = groups.filter((_, k) => keep.has(k));
  }
  const hidden = s.groups.length - groups.length + s.omittedGroups;
  const bars: BarGroup[] = groups.map((g) => ({
    label: cleanText(g.group, 200),
    challenger: g.metrics[primary] ?? null,
    champion: g.champion?.[primary] ?? null,
    flagged: g.worst,
    ...(g.tooSmall ? { note: `too small (${g.rows} rows)` } : {}),
  }));
  const column = cleanText(s.column, 80);
  const label = cleanText(metricName(primary), 40);
  const worst = groups.find((g) => g.worst);
  return barChart({
    id,
    chart: "slice",
    title: `${label} by ${column}`,
    description:
      `${label} of the ${withChampion ? "champion and the challenger" : "challenger"} in ${count(groups.length, "group")} of ${column}` +
      (worst ? `; the challenger's worst group is ${cleanText(worst.group, 80)}` : "") +
      (hidden > 0 ? `; ${count(hidden, "more group")} not charted` : "") +
      ".",
    caption:
      hidden > 0
        ? `The worst and largest ${groups.length} groups; ${count(hidden, "more group")} not charted.`
        : "",
    valueLabel: label,
    groups: bars,
    withChampion,
  });
}

/** The calibration report.json carries, for a page rendered without the scored rows. */
export function reportedCalibration(bins: CalibrationBinJson[], id: string): string {
  const drawn = bins.filter((b) => b.meanPredicted !== null && b.observedRate !== null);
  return scatterChart({
    id,
    chart: "predicted-vs-actual",
    title: "Calibration: predicted probability against observed rate",
    description: `${count(drawn.length, "bin")} of predicted probability: ${drawn.map((b) => `mean prediction ${formatNumber(b.meanPredicted, 3)}, observed ${formatNumber(b.observedRate, 3)} (${count(b.rows, "row")})`).join("; ")}.`,
    caption: "Bins of predicted probability; dashed line: perfect calibration.",
    xLabel: "mean predicted probability",
    yLabel: "observed positive rate",
    identity: true,
    connect: true,
    series: [
      {
        name: "challenger",
        kind: "challenger",
        x: drawn.map((b) => b.meanPredicted!),
        y: drawn.map((b) => b.observedRate!),
      },
    ],
  });
}
