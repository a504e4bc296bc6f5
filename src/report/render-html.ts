/**
 * The HTML report: one self-contained page (inline CSS, inline SVG, no script, nothing fetched;
 * a Content-Security-Policy forbids it anyway) that people open from the run's artifact.
 * Rendered from report.json plus, for the charts of predictions, the scored test rows, which
 * report.json does not carry.
 */
import { metricDirection } from "../evaluate/metrics.js";
import { cleanText, escapeHtml } from "./escape-markdown.js";
import { formatNumber, formatPercent, formatSigned } from "./format-number.js";
import type { CalibrationBinJson, FairnessJson, ModelReport, Report, SearchJson } from "./report-schema.js";
import { metricNamesOf } from "./report-schema.js";
import { changeVerdict, type ChangeVerdict, type MetricHistory } from "./render-markdown.js";
import {
  barChart,
  intervalChart,
  lineChart,
  sampleIndices,
  scatterChart,
  type BarGroup,
  type LinePoint,
} from "./svg-charts.js";

/** The test rows of one model as scored: targets and both models' predictions, row by row. */
export interface ScoredRows {
  actual: ArrayLike<number>;
  challenger: ArrayLike<number>;
  champion?: ArrayLike<number> | null;
}

export interface HtmlOptions {
  /** Per model name: its scored test rows, for the prediction charts (left out without them). */
  scored?: Readonly<Record<string, ScoredRows>>;
  /** Per model name: the primary metric of earlier registry versions, as for `renderMarkdown`. */
  history?: MetricHistory;
  /** Points per series in a scatter chart at most; more rows are sampled evenly. Default 2,000. */
  maxPoints?: number;
  /** The page title; default "modelgate report". */
  title?: string;
}

export const DEFAULT_MAX_POINTS = 2_000;
/** Slice groups charted per slice column (the worst always among them); the table lists all. */
const MAX_BAR_GROUPS = 30;

const h = (s: string, max = 500) => escapeHtml(cleanText(s, max));

/** Renders the whole report as one self-contained HTML page. */
export function renderHtml(report: Report, options: HtmlOptions = {}): string {
  const title = options.title ?? "modelgate report";
  const failed = report.models.filter((m) => !m.passed).length;
  const verdict =
    report.models.length === 0
      ? "no models were evaluated"
      : failed === 0
        ? `the gate passed for ${count(report.models.length, "model")}`
        : `the gate failed for ${failed} of ${count(report.models.length, "model")}`;
  const commits = [
    report.head.ref || report.head.sha
      ? `head ${[report.head.ref ? h(report.head.ref, 80) : "", report.head.sha ? `<code>${h(report.head.sha.slice(0, 12))}</code>` : ""].filter(Boolean).join(" at ")}`
      : "",
    report.base && (report.base.ref || report.base.sha)
      ? `base ${[report.base.ref ? h(report.base.ref, 80) : "", report.base.sha ? `<code>${h(report.base.sha.slice(0, 12))}</code>` : ""].filter(Boolean).join(" at ")}`
      : "",
  ].filter(Boolean);
  const models = report.models.map((m, k) => renderModel(m, k, options)).join("\n");
  const nav =
    report.models.length > 1
      ? `<nav aria-label="Models"><ul>${report.models.map((m, k) => `<li><a href="#model-${k}">${badge(m.passed)} ${h(m.name, 64)}</a></li>`).join("")}</ul></nav>`
      : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${h(title, 120)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header class="page">
<h1>${h(title, 120)}</h1>
<p class="verdict ${failed === 0 ? "pass" : "fail"}">${badge(failed === 0)} ${escapeHtml(verdict)}</p>
${commits.length ? `<p class="muted">${commits.join(" · ")}</p>` : ""}
${nav}
</header>
<main>
${models}
</main>
<footer>
<p><strong>How to read this.</strong> Change is challenger − champion on the same test rows. Its interval is a paired bootstrap interval (95% unless the spec sets another confidence): <span class="mark better">better</span> or <span class="mark worse">worse</span> when it excludes zero, <span class="mark neutral">not significant</span> when it includes zero. Whiskers in the charts are the bootstrap intervals of each metric. The gate decides on the point values and the rules of the spec.</p>
<p class="muted">${h(`modelgate ${report.tool.version}`, 60)} · report schema ${report.schemaVersion} · ${escapeHtml(report.kind)}</p>
</footer>
</body>
</html>
`;
}

function renderModel(m: ModelReport, index: number, options: HtmlOptions): string {
  const id = `model-${index}`;
  const algo = m.challenger.algorithm;
  const alpha = algo.alpha !== null && algo.type !== "linear" ? ` (α ${formatNumber(algo.alpha)})` : "";
  const primary = metricName(m.primaryMetric);
  const charts: string[] = [intervalFigure(m, `${id}-metrics`)];
  const scored = options.scored?.[m.name];
  if (scored) charts.push(...predictionFigures(m, scored, id, options.maxPoints ?? DEFAULT_MAX_POINTS));
  else if (m.calibration && m.calibration.length > 0)
    charts.push(reportedCalibration(m.calibration, `${id}-predicted`));
  const history = historyFigure(m, options.history?.[m.name], `${id}-history`);
  if (history) charts.push(history);
  const slices = m.slices.map((s, k) => sliceFigure(m, s, `${id}-slice-${k}`));

  return `<section class="model" id="${id}" aria-labelledby="${id}-name">
<header>
<h2 id="${id}-name">${badge(m.passed)} ${h(m.name, 64)} <span class="status ${m.passed ? "pass" : "fail"}">${m.passed ? "passed" : "failed"}</span></h2>
<p class="muted">${h(m.task, 40)} · ${h(algo.type, 40)}${escapeHtml(alpha)} · primary metric ${h(primary, 80)}</p>
${m.description ? `<p>${h(m.description, 500)}</p>` : ""}
<p>${championLine(m)}</p>
</header>
${failures(m)}
${warnings(m)}
${metricTable(m)}
<div class="charts">
${charts.join("\n")}
</div>
${slices.length ? `<h3>Slices</h3><p class="muted">${h(primary, 80)} per group of the test rows${directionText(m.primaryMetric)}; ⚠ marks the challenger's worst group.</p><div class="charts">${slices.join("\n")}</div>` : ""}
${fairnessTables(m)}
<h3>Gate rules</h3>
${gateTable(m)}
${coefficientsDetails(m)}
${dataDetails(m)}
${m.search ? searchDetails(m.search) : ""}
</section>`;
}

function championLine(m: ModelReport): string {
  const c = m.champion;
  if (c === null) return "No champion yet: there is nothing to compare with, so change rules do not apply.";
  const who = `version ${c.version} (alias <code>${h(c.alias, 40)}</code>)`;
  if (!c.comparable)
    return `<strong class="warn">⚠ The champion, ${who}, is not comparable:</strong> ${h(c.reason ?? "no reason was given")}. Change rules do not apply.`;
  return `Champion: ${who}, scored on the same ${count(m.data.testRows, "test row")}.`;
}

function failures(m: ModelReport): string {
  const failed = m.gate.checks.filter((c) => c.status === "fail");
  if (failed.length === 0 && m.passed) return "";
  const items = failed.length
    ? failed.map((c) => `<li>${h(c.reason)}</li>`)
    : [`<li>${h(m.gate.summary)}</li>`];
  return `<div class="callout fail" role="note"><strong>Gate failed</strong><ul>${items.join("")}</ul></div>`;
}

function warnings(m: ModelReport): string {
  const notes = [
    ...(m.registryChanged ? ["This pull request changes the registry folder; those edits are ignored."] : []),
    ...m.warnings,
  ];
  if (notes.length === 0) return "";
  return `<div class="callout warn" role="note"><strong>Warnings</strong><ul>${notes.map((w) => `<li>${h(w)}</li>`).join("")}</ul></div>`;
}

const VERDICT_CLASS: Record<ChangeVerdict, string> = {
  better: "better",
  worse: "worse",
  not_significant: "neutral",
  significant: "neutral",
  none: "",
};
const VERDICT_TEXT: Record<ChangeVerdict, string> = {
  better: "better",
  worse: "worse",
  not_significant: "not significant",
  significant: "changed",
  none: "—",
};

function metricNames(m: ModelReport): string[] {
  const names = metricNamesOf(m);
  return names.includes(m.primaryMetric)
    ? [m.primaryMetric, ...names.filter((n) => n !== m.primaryMetric)]
    : names;
}

function metricTable(m: ModelReport): string {
  const c = m.champion?.comparable ? m.champion : null;
  const head = c
    ? `<tr><th scope="col">Metric</th><th scope="col" class="num">Champion v${c.version}</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Change</th><th scope="col" class="num">Relative</th><th scope="col" class="num">Interval of change</th><th scope="col">Verdict</th></tr>`
    : `<tr><th scope="col">Metric</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Interval</th><th scope="col">Note</th></tr>`;
  const rows = metricNames(m).map((name) => {
    const e = m.challenger.metrics[name]!;
    const label = `<th scope="row">${name === m.primaryMetric ? `<strong>${h(metricName(name), 80)}</strong>` : h(metricName(name), 80)}</th>`;
    if (!c)
      return `<tr>${label}<td class="num">${formatNumber(e.value)}</td><td class="num">${interval(e.ci)}</td><td>${e.value === null ? h(e.reason ?? "undefined") : e.excluded ? `${count(e.excluded, "row")} left out` : ""}</td></tr>`;
    const d = m.differences[name];
    const verdict = d ? changeVerdict(name, d) : "none";
    return `<tr>${label}<td class="num">${formatNumber(d?.champion ?? c.metrics[name]?.value ?? null)}</td><td class="num">${formatNumber(e.value)}</td><td class="num">${d ? formatSigned(d.difference) : "—"}</td><td class="num">${d ? formatPercent(d.relativeChange) : "—"}</td><td class="num">${d?.ci ? `[${formatSigned(d.ci.lower)}, ${formatSigned(d.ci.upper)}]` : "—"}</td><td><span class="mark ${VERDICT_CLASS[verdict]}">${VERDICT_TEXT[verdict]}</span></td></tr>`;
  });
  return `<div class="table-wrap"><table class="metrics"><caption class="sr">Metrics of the challenger${c ? " against the champion" : ""}</caption><thead>${head}</thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function intervalFigure(m: ModelReport, id: string): string {
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

function predictionFigures(m: ModelReport, scored: ScoredRows, id: string, maxPoints: number): string[] {
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

function historyFigure(
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

function sliceFigure(m: ModelReport, s: ModelReport["slices"][number], id: string): string {
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
function reportedCalibration(bins: CalibrationBinJson[], id: string): string {
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

function fairnessTables(m: ModelReport): string {
  if (!m.fairness || m.fairness.length === 0) return "";
  const estimate = (e: FairnessJson["parityDifference"]) =>
    `${formatNumber(e.value)}${e.ci ? ` ${interval(e.ci)}` : ""}${e.value === null && e.reason ? ` (${h(e.reason, 160)})` : ""}`;
  const blocks = m.fairness.map((f) => {
    const rows = f.groups.map(
      (g) =>
        `<tr><td><code>${h(g.group, 80)}</code></td><td class="num">${formatCount(g.rows)}</td><td class="num">${formatCount(g.positives)}</td><td class="num">${formatNumber(g.positiveRate)}</td><td class="num">${formatNumber(g.truePositiveRate)}</td><td>${g.tooSmall ? "too small" : ""}</td></tr>`,
    );
    return `<p>By <code>${h(f.column, 80)}</code>: parity difference ${estimate(f.parityDifference)}; equal opportunity difference ${estimate(f.equalOpportunityDifference)}.</p><div class="table-wrap"><table><thead><tr><th scope="col">Group</th><th scope="col" class="num">Rows</th><th scope="col" class="num">Positives</th><th scope="col" class="num">Predicted positive</th><th scope="col" class="num">True positive rate</th><th scope="col"></th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  });
  return `<div class="fairness"><h3>Fairness</h3><p class="muted">Rates of the challenger per group of each sensitive column; 0 difference is parity.</p>${blocks.join("")}</div>`;
}

function gateTable(m: ModelReport): string {
  if (m.gate.checks.length === 0) return `<p class="muted">The spec sets no gate rules.</p>`;
  const rows = m.gate.checks.map((c) => {
    const label = h(c.label, 60);
    const rule =
      c.rule === "min"
        ? `${label} ≥ ${formatNumber(c.bound)}`
        : c.rule === "max"
          ? `${label} ≤ ${formatNumber(c.bound)}`
          : c.rule === "maxWorsening"
            ? `${label} worsens by at most ${formatNumber(c.bound)}`
            : `${label} worsens by at most ${formatNumber(c.bound * 100)}%`;
    const status = c.status === "pass" ? "pass" : c.status === "fail" ? "fail" : "n/a";
    return `<tr><td><span class="status ${c.status === "not_applicable" ? "na" : c.status}">${status}</span></td><td>${rule}</td><td class="num">${formatNumber(c.value)}</td><td class="num">${formatNumber(c.champion)}</td><td>${h(c.reason)}</td></tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col">Rule</th><th scope="col" class="num">Challenger</th><th scope="col" class="num">Champion</th><th scope="col">Reason</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function coefficientsDetails(m: ModelReport): string {
  if (m.challenger.coefficients.length === 0) return "";
  const champion = m.champion;
  const theirs = new Map((champion?.coefficients ?? []).map((t) => [t.term, t.coefficient]));
  const withChampion = champion !== null && champion.coefficients.length > 0;
  const contribution = new Map<string, { feature: string; value: number; first: boolean }>();
  for (const e of m.explanations)
    e.terms.forEach((t, k) =>
      contribution.set(t.term, { feature: e.feature, value: e.meanAbsContribution, first: k === 0 }),
    );
  const order = [...m.challenger.coefficients].sort(
    (a, b) => (contribution.get(b.term)?.value ?? -1) - (contribution.get(a.term)?.value ?? -1),
  );
  const own = new Set(m.challenger.coefficients.map((t) => t.term));
  const row = (
    feature: string,
    contrib: string,
    term: string,
    coef: string,
    other: number | null | undefined,
    diff: string,
  ) =>
    `<tr><td>${feature}</td><td class="num">${contrib}</td><td><code>${h(term, 80)}</code></td><td class="num">${coef}</td>${withChampion ? `<td class="num">${formatNumber(other ?? null)}</td><td class="num">${diff}</td>` : ""}</tr>`;
  const rows = order.map((t) => {
    const c = contribution.get(t.term);
    const other = theirs.get(t.term);
    return row(
      c?.first ? `<code>${h(c.feature, 80)}</code>` : "",
      c?.first ? formatNumber(c.value) : "",
      t.term,
      `${formatNumber(t.coefficient)}${t.standardError !== null ? ` ± ${formatNumber(t.standardError, 2)}` : ""}`,
      other,
      other === undefined ? "new" : formatSigned(t.coefficient - other),
    );
  });
  for (const t of champion?.coefficients ?? [])
    if (!own.has(t.term)) rows.push(row("<em>dropped</em>", "", t.term, "—", t.coefficient, ""));
  rows.push(
    row(
      "<em>intercept</em>",
      "",
      "",
      formatNumber(m.challenger.intercept),
      champion?.intercept,
      m.challenger.intercept !== null && champion?.intercept != null
        ? formatSigned(m.challenger.intercept - champion.intercept)
        : "—",
    ).replace("<code></code>", ""),
  );
  return `<details><summary>Feature contributions and coefficients</summary><p class="muted">Mean absolute contribution of each feature to the challenger's predictions on the test rows, in the target's units.</p><div class="table-wrap"><table><thead><tr><th scope="col">Feature</th><th scope="col" class="num">Mean abs. contribution</th><th scope="col">Term</th><th scope="col" class="num">Coefficient ± SE</th>${withChampion ? '<th scope="col" class="num">Champion</th><th scope="col" class="num">Change</th>' : ""}</tr></thead><tbody>${rows.join("")}</tbody></table></div></details>`;
}

function dataDetails(m: ModelReport): string {
  const d = m.data;
  const c = m.champion;
  const same = (ours: string, theirs: string | null | undefined, what: string) =>
    !c || !theirs
      ? ""
      : ours === theirs
        ? ` (the same ${what} as the champion's)`
        : ` (changed: the champion's was <code>${h(theirs.slice(0, 12))}</code>)`;
  const date = (v: number | null | undefined) =>
    v === null || v === undefined || !Number.isFinite(v) || Math.abs(v) > 8.64e15
      ? "—"
      : new Date(v).toISOString().slice(0, 10);
  const rows = d.columns.map((col) => {
    const isDate = col.type === "date";
    const at = (v: number | null | undefined) => (isDate ? date(v) : formatNumber(v ?? null));
    const spread =
      isDate && col.std != null
        ? `${formatNumber(col.std / 86_400_000, 3)} days`
        : formatNumber(col.std ?? null);
    return `<tr><td><code>${h(col.name, 80)}</code></td><td>${escapeHtml(col.type)}</td><td class="num">${formatCount(col.missing)}</td><td class="num">${at(col.mean)}</td><td class="num">${spread}</td><td class="num">${at(col.min)}</td><td class="num">${at(col.max)}</td><td class="num">${col.distinct === undefined ? "—" : formatCount(col.distinct)}</td></tr>`;
  });
  return `<details><summary>Data</summary><ul>
<li>File <code>${h(d.file, 160)}</code>, sha256 <code>${h(d.sha256.slice(0, 12))}</code>${same(d.sha256, c?.dataHash, "data")}</li>
<li>${formatCount(d.rows)} rows: ${formatCount(d.trainRows)} train, ${formatCount(d.testRows)} test${d.missingTarget > 0 ? `; ${formatCount(d.missingTarget)} without a target, left out` : ""}</li>
<li>Split: ${formatNumber(d.split.test * 100)}% test by a stable hash, salt <code>${h(d.split.salt, 60)}</code></li>
<li>Spec hash <code>${h(m.specHash.slice(0, 12))}</code>${same(m.specHash, c?.specHash, "spec")}; model sha256 <code>${h(m.challenger.modelSha256.slice(0, 12))}</code></li>
</ul>${rows.length ? `<div class="table-wrap"><table><thead><tr><th scope="col">Column</th><th scope="col">Type</th><th scope="col" class="num">Missing</th><th scope="col" class="num">Mean</th><th scope="col" class="num">Std</th><th scope="col" class="num">Min</th><th scope="col" class="num">Max</th><th scope="col" class="num">Distinct</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>` : ""}</details>`;
}

function searchDetails(s: SearchJson): string {
  const direction = metricDirection(s.metric);
  const key = (t: SearchJson["trials"][number]) =>
    t.score === null ? Infinity : direction?.higherIsBetter ? -t.score : t.score;
  const all = [...new Set(s.trials.flatMap((t) => t.params.features))];
  const rows = s.trials
    .map((t, k) => ({ t, k }))
    .sort((x, y) => key(x.t) - key(y.t) || x.k - y.k)
    .map(({ t, k }) => {
      const params = [
        ...(t.params.alpha !== null ? [`α ${formatNumber(t.params.alpha)}`] : []),
        ...Object.entries(t.params.degree).map(([f, d]) => `<code>${h(f, 60)}</code> degree ${d}`),
        all.length === t.params.features.length
          ? `all ${count(t.params.features.length, "feature")}`
          : `without ${all
              .filter((f) => !t.params.features.includes(f))
              .slice(0, 8)
              .map((f) => `<code>${h(f, 60)}</code>`)
              .join(", ")}`,
      ];
      return `<tr${k === s.chosen ? ' class="chosen"' : ""}><td class="num">${k + 1}</td><td>${params.join(", ")}</td><td class="num">${formatNumber(t.score)}</td><td>${k === s.chosen ? "★ chosen" : ""}</td></tr>`;
    });
  const metric = h(metricName(s.metric), 60);
  return `<details><summary>Search: ${escapeHtml(s.method)}, ${count(s.trials.length + s.omittedTrials, "trial")}</summary><p class="muted">Scored by ${s.folds}-fold cross-validation on the training rows, ${metric}.${s.omittedTrials ? ` ${count(s.omittedTrials, "more trial")} not in the report.` : ""}</p><div class="table-wrap"><table><thead><tr><th scope="col" class="num">Trial</th><th scope="col">Parameters</th><th scope="col" class="num">CV ${metric}</th><th scope="col"></th></tr></thead><tbody>${rows.join("")}</tbody></table></div></details>`;
}

// ---------------------------------------------------------------------------------------------

function metricName(name: string): string {
  return metricDirection(name)?.label ?? name;
}

function directionText(metric: string): string {
  const d = metricDirection(metric);
  return d ? ` (${d.higherIsBetter ? "higher" : "lower"} is better)` : "";
}

function badge(passed: boolean): string {
  return passed
    ? '<span class="badge pass" aria-hidden="true">✓</span>'
    : '<span class="badge fail" aria-hidden="true">✗</span>';
}

function interval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatNumber(ci.lower, 3)}, ${formatNumber(ci.upper, 3)}]` : "—";
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function count(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** The page's style sheet (light and dark), shared with the monitor report's page. */
export const REPORT_CSS = `
:root{color-scheme:light dark;--bg:#fbfbfa;--fg:#1d2430;--muted:#5b6472;--card:#fff;--line:#e3e6ea;--grid:#eef0f3;
--challenger:#2563eb;--champion:#c2710c;--candidate:#2563eb;--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;
--pass-bg:#dafbe1;--fail-bg:#ffebe9;--warn-bg:#fff8c5;--neutral-bg:#eef0f3}
@media (prefers-color-scheme:dark){:root{--bg:#0f1419;--fg:#e6e9ee;--muted:#9aa4b2;--card:#161c24;--line:#2a323d;--grid:#222a34;
--challenger:#6ea8fe;--champion:#f0a04b;--candidate:#6ea8fe;--pass:#4ac26b;--fail:#ff7b72;--warn:#d29922;
--pass-bg:#12361f;--fail-bg:#3d1618;--warn-bg:#3a2e0a;--neutral-bg:#232b36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;font-variant-numeric:tabular-nums}
header.page,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}
header.page{padding-top:28px}
h1{font-size:1.6rem;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:1.3rem;margin:0 0 4px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
h3{font-size:1.05rem;margin:28px 0 6px}
code{font:0.9em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--neutral-bg);padding:1px 5px;border-radius:4px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.verdict{font-size:1.1rem;font-weight:600;margin:6px 0}
.verdict.pass{color:var(--pass)}.verdict.fail{color:var(--fail)}
nav ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:6px 16px}
nav a{color:inherit}
.badge{display:inline-flex;align-items:center;justify-content:center;width:1.4em;height:1.4em;border-radius:50%;font-size:.8em;color:#fff;font-weight:700}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}
.status{font-size:.72rem;font-weight:700;text-transform:uppercase;letter-spacing:.05em;padding:2px 8px;border-radius:999px;background:var(--neutral-bg);color:var(--muted)}
.status.pass{background:var(--pass-bg);color:var(--pass)}.status.fail{background:var(--fail-bg);color:var(--fail)}
section.model{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:22px 24px;margin:22px 0}
section.model>header p{margin:4px 0}
.callout{border-radius:8px;padding:10px 14px;margin:14px 0}
.callout ul{margin:4px 0 0;padding-left:20px}
.callout.fail{background:var(--fail-bg)}.callout.fail strong{color:var(--fail)}
.callout.warn{background:var(--warn-bg)}.callout.warn strong{color:var(--warn)}
.warn{color:var(--warn)}
.table-wrap{overflow-x:auto;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
.num{text-align:right;white-space:nowrap}
tr.chosen td{font-weight:600}
.mark{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.8rem;font-weight:600}
.mark.better{background:var(--pass-bg);color:var(--pass)}.mark.worse{background:var(--fail-bg);color:var(--fail)}.mark.neutral{background:var(--neutral-bg);color:var(--muted)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:18px;margin:14px 0}
figure.chart{margin:0;border:1px solid var(--line);border-radius:10px;padding:12px 12px 8px}
figure.chart svg{width:100%;height:auto;display:block;font-size:11px}
figcaption{font-size:.85rem;color:var(--muted);margin-top:4px}
figcaption strong{color:var(--fg);display:block;font-size:.92rem}
svg text{fill:var(--muted)}
svg .label{fill:var(--fg);font-size:12px}
svg .group{fill:var(--fg);font-size:12px}
svg .flagged .group{font-weight:700;fill:var(--fail)}
svg .value{fill:var(--fg);font-size:11px}svg .value.champion{fill:var(--muted)}
svg .grid{stroke:var(--grid);stroke-width:1}
svg .frame{fill:none;stroke:var(--line)}
svg .reference{stroke:var(--muted);stroke-dasharray:5 4;stroke-width:1.2}
svg .challenger .pt,svg .pt.challenger,svg .key.challenger{fill:var(--challenger);fill-opacity:.72}
svg .champion .pt,svg .key.champion{fill:none;stroke:var(--champion);stroke-width:1.3}
svg .key.champion,svg .pt.champion{fill:var(--champion);stroke:none}
svg .key.champion.ring{fill:none;stroke:var(--champion);stroke-width:1.5}
svg .series.champion .pt{fill:none;stroke:var(--champion);stroke-width:1.2}
svg .pt.candidate{fill:var(--candidate);stroke:var(--card);stroke-width:2}
svg .bar.challenger{fill:var(--challenger)}svg .bar.champion{fill:var(--champion);fill-opacity:.8}
svg .curve{fill:none;stroke-width:2}svg .curve.champion{stroke:var(--champion)}svg .curve.challenger{stroke:var(--challenger)}
svg .curve.candidate{stroke:var(--candidate)}svg .dashed{stroke-dasharray:4 4}
svg .whisker{stroke-width:2.5;stroke-linecap:round}svg .whisker.challenger{stroke:var(--challenger);stroke-opacity:.55}svg .whisker.champion{stroke:var(--champion);stroke-opacity:.55}
svg .legend text{fill:var(--fg);font-size:11px}
details{margin:10px 0;border-top:1px solid var(--line);padding-top:8px}
summary{cursor:pointer;font-weight:600}
footer{padding-bottom:40px;font-size:.88rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
@media (max-width:560px){.charts{grid-template-columns:1fr}section.model{padding:16px}}
`;
