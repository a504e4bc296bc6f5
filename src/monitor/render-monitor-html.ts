/**
 * The monitor report as one self-contained HTML page (inline CSS and SVG, no script, nothing
 * fetched; its Content-Security-Policy forbids it anyway), in the evaluation report's look and
 * light/dark themes: the verdict, per model its reasons, the drift table, for every drifted
 * column its training and new distributions side by side, and the live performance. Every name
 * that came from data or specs is escaped (`escapeHtml` after `cleanText`).
 */
import { metricDirection } from "../evaluate/metrics.js";
import { cleanText, escapeHtml } from "../report/escape-markdown.js";
import { h, htmlPage } from "../report/html-format.js";
import { formatNumber } from "../report/format-number.js";
import { REPORT_CSS } from "../report/render-html.js";
import { distributionChart } from "../report/svg-charts.js";
import { renderMonitorSummaryLine } from "./render-monitor-markdown.js";
import type {
  ColumnDrift,
  MonitorModelReport,
  MonitorReport,
  PerformanceJson,
  Verdict,
} from "../report/monitor-report-schema.js";

export interface MonitorHtmlOptions {
  /** The page title; default "modelgate monitor". */
  title?: string;
}

/** Reasons listed per model and severity; the rest are counted. */
const MAX_REASONS = 50;
/** Columns in the drift table per model; the rest are counted. */
const MAX_COLUMNS = 200;
/** Distribution charts per model (the most drifted first); the table still lists every column. */
const MAX_CHARTS = 40;

/** Status classes of the shared style sheet: ok reads as pass, alert as fail. */
const CLASS: Record<ColumnDrift["status"], string> = {
  ok: "pass",
  warn: "warn",
  alert: "fail",
  skipped: "na",
};
const SYMBOL: Record<Verdict, string> = { ok: "✓", warn: "!", alert: "✗" };

/** Renders the whole monitor report as one self-contained HTML page. */
export function renderMonitorHtml(report: MonitorReport, options: MonitorHtmlOptions = {}): string {
  const title = options.title ?? "modelgate monitor";
  const n = report.models.length;
  const headline = { ok: "No alert", warn: "Warnings, no alert", alert: "Alert" }[report.verdict];
  const head =
    report.head.ref || report.head.sha
      ? `<p class="muted">${[report.head.ref ? h(report.head.ref, 80) : "", report.head.sha ? `<code>${h(report.head.sha.slice(0, 12))}</code>` : ""].filter(Boolean).join(" at ")}</p>`
      : "";
  const nav =
    n > 1
      ? `<nav aria-label="Models"><ul>${report.models.map((m, k) => `<li><a href="#model-${k}">${badge(m.verdict)} ${h(m.name, 64)}</a></li>`).join("")}</ul></nav>`
      : "";
  return htmlPage({
    title,
    css: REPORT_CSS + MONITOR_CSS,
    header: `<p class="verdict ${CLASS[report.verdict]}">${badge(report.verdict)} ${headline}</p>
<p>${h(renderMonitorSummaryLine(report), 2000)}</p>
${head}
${nav}`,
    main: report.models.map((m, k) => renderModel(m, k)).join("\n"),
    howToRead:
      "Each column of the new data is compared with the training data of the production version: the population stability index (PSI) over the training bins measures how far the distribution moved, and a test (two-sample Kolmogorov–Smirnov for numbers and dates, chi-square for categories and booleans), corrected for the number of columns, tells a shift from sampling noise. A column warns or alerts only when its test is significant and its PSI reaches the threshold. The charts show, for each such column, the share of values in each bin on both sides.",
    colophon: `${h(`modelgate ${report.tool.version}`, 60)} · report schema ${report.schemaVersion} · ${escapeHtml(report.kind)}`,
  });
}

function renderModel(m: MonitorModelReport, index: number): string {
  const id = `model-${index}`;
  const p = m.production;
  const created = p.createdAt ? `, created ${h(p.createdAt.slice(0, 10), 10)}` : "";
  const drifted = m.columns
    .filter((c) => (c.status === "warn" || c.status === "alert") && c.bins.length > 0)
    .sort((a, b) => severity(b) - severity(a) || (b.psi ?? 0) - (a.psi ?? 0));
  const bare = m.columns.filter((c) => (c.status === "warn" || c.status === "alert") && c.bins.length === 0);
  const charts = drifted.slice(0, MAX_CHARTS).map((c, k) => columnFigure(c, `${id}-drift-${k}`));
  const chartNotes = [
    ...(drifted.length > MAX_CHARTS
      ? [`${drifted.length - MAX_CHARTS} more drifted columns are in the table but not drawn.`]
      : []),
    ...(bare.length
      ? [`No bins to draw for ${bare.map((c) => `<code>${h(c.name, 80)}</code>`).join(", ")}.`]
      : []),
  ];
  return `<section class="model" id="${id}" aria-labelledby="${id}-name">
<header>
<h2 id="${id}-name">${badge(m.verdict)} ${h(m.name, 64)} <span class="status ${CLASS[m.verdict]}">${escapeHtml(m.verdict)}</span></h2>
<p class="muted">${h(m.task, 40)} · ${h(p.alias, 40)} v${p.version} (model <code>${h(p.modelSha256.slice(0, 12))}</code>, trained on ${count(p.trainingRows, "row")}${created})</p>
<p>New data <code>${h(m.data.file, 160)}</code>: ${count(m.data.rows, "row")}, ${escapeHtml(m.data.format)}, sha256 <code>${h(m.data.sha256.slice(0, 12))}</code>.</p>
</header>
${reasons(m)}
${columnsLine(m)}
<h3>Drift</h3>
${m.columns.length ? driftTable(m) : '<p class="muted">No column was compared.</p>'}
${quietLine(m)}
${unseenLines(m)}
<h3>Distributions</h3>
${
  charts.length
    ? `<p class="muted">Training and new data side by side for each column that warns or alerts: the share of values in each training bin (numbers and dates, in order, with the values below and above the training range first and last) or of each category (⚠ marks values the production model never saw).</p><div class="charts">${charts.join("\n")}</div>`
    : `<p class="muted">No column drifted, so no distribution is drawn.</p>`
}
${chartNotes.length ? `<p class="muted">${chartNotes.join(" ")}</p>` : ""}
<h3>Live performance</h3>
${m.performance ? performanceSection(m.performance, p.version) : `<p class="muted">${h(m.performanceNote ?? "Not measured.")}</p>`}
${m.warnings.length ? `<div class="callout warn" role="note"><strong>Notes</strong><ul>${m.warnings.map((w) => `<li>${h(w)}</li>`).join("")}</ul></div>` : ""}
${method(m)}
</section>`;
}

function reasons(m: MonitorModelReport): string {
  if (m.reasons.length === 0) return `<p>No drift, no missing or new columns, no unseen categories.</p>`;
  const block = (severity: "alert" | "warn", heading: string, cls: string) => {
    const list = m.reasons.filter((r) => r.severity === severity);
    if (list.length === 0) return "";
    const items = list.slice(0, MAX_REASONS).map((r) => `<li>${h(r.message, 400)}</li>`);
    if (list.length > MAX_REASONS) items.push(`<li>… and ${list.length - MAX_REASONS} more</li>`);
    return `<div class="callout ${cls}" role="note"><strong>${heading}</strong><ul>${items.join("")}</ul></div>`;
  };
  return block("alert", "Alerts", "fail") + block("warn", "Warnings", "warn");
}

function columnsLine(m: MonitorModelReport): string {
  const parts: string[] = [];
  if (m.missingColumns.length)
    parts.push(
      `<p>Missing from the new data: ${m.missingColumns.map((c) => `<code>${h(c.name, 80)}</code> (${escapeHtml(c.role)})`).join(", ")}.</p>`,
    );
  if (m.newColumns.length)
    parts.push(
      `<p>Not in the data spec: ${m.newColumns.map((c) => `<code>${h(c, 80)}</code>`).join(", ")}.</p>`,
    );
  return parts.join("");
}

function driftTable(m: MonitorModelReport): string {
  const rows = m.columns.slice(0, MAX_COLUMNS).map((c) => {
    const t = c.test;
    const test = t
      ? t.kind === "ks"
        ? `KS D ${formatNumber(t.statistic, 3)}`
        : `χ² ${formatNumber(t.statistic, 3)}, df ${t.df ?? "?"}`
      : "—";
    const corrected = t ? formatNumber(t.adjustedPValue, 2) : "—";
    const noise =
      c.psiNoise === null ? "" : `<br><small class="muted">noise ${formatNumber(c.psiNoise, 2)}</small>`;
    return `<tr><th scope="row"><code>${h(c.name, 80)}</code><br><small class="muted">${escapeHtml(c.role)} · ${escapeHtml(c.type)}</small></th><td><span class="status ${CLASS[c.status]}">${escapeHtml(c.status)}</span></td><td class="num">${formatNumber(c.psi, 3)}${noise}</td><td>${test}</td><td class="num">${t ? formatNumber(t.pValue, 2) : "—"}</td><td class="num">${t?.significant ? `<strong>${corrected}</strong>` : corrected}</td><td>${sideText(c.training, c.type)}</td><td>${sideText(c.current, c.type)}</td><td>${h(c.note, 300)}</td></tr>`;
  });
  const more =
    m.columns.length > MAX_COLUMNS
      ? `<p class="muted">… and ${m.columns.length - MAX_COLUMNS} more columns.</p>`
      : "";
  const head = ["Column", "Status", "PSI", "Test", "p", "p corrected", "Training", "New", "Note"]
    .map(
      (name) =>
        `<th scope="col"${["PSI", "p", "p corrected"].includes(name) ? ' class="num"' : ""}>${name}</th>`,
    )
    .join("");
  return `<div class="table-wrap"><table class="drift"><caption class="sr">Drift of each column of the new data against the training data; p corrected for the number of tests, significant ones in bold</caption><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table></div>${more}`;
}

function quietLine(m: MonitorModelReport): string {
  const quiet = m.columns.filter(
    (c) =>
      c.status === "ok" && c.psi !== null && c.psi >= m.thresholds.psiWarn && c.test && !c.test.significant,
  );
  if (quiet.length === 0) return "";
  return `<p class="muted">PSI at or above ${formatNumber(m.thresholds.psiWarn)} without a significant test (too few rows to tell from noise): ${quiet
    .map(
      (c) =>
        `<code>${h(c.name, 80)}</code> (PSI ${formatNumber(c.psi, 3)}, corrected p ${formatNumber(c.test!.adjustedPValue, 2)}, ${count(c.test!.current, "new value")})`,
    )
    .join(", ")}.</p>`;
}

function unseenLines(m: MonitorModelReport): string {
  return m.columns
    .filter((c) => c.unseen.length > 0)
    .map(
      (c) =>
        `<p>Unseen in <code>${h(c.name, 80)}</code>: ${c.unseen.map((u) => `<code>${h(u.value, 80)}</code> (${formatCount(u.count)})`).join(", ")}${c.unseenOmitted > 0 ? ` and ${formatCount(c.unseenOmitted)} more` : ""}.</p>`,
    )
    .join("");
}

function columnFigure(c: ColumnDrift, id: string): string {
  const unseen = new Set(c.unseen.map((u) => u.value));
  const numeric = c.type === "number" || c.type === "integer" || c.type === "date";
  const bins = c.bins.map((b) => ({
    label: cleanText(b.label, 80),
    training: b.training,
    current: b.current,
    flagged: !numeric && (unseen.has(b.label) || (b.label === "(other unseen)" && b.training === 0)),
  }));
  const percent = (v: number) => `${formatNumber(v * 100, 3)}%`;
  const name = cleanText(c.name, 80);
  const t = c.test;
  const test = t
    ? `${t.kind === "ks" ? "KS D" : "χ²"} ${formatNumber(t.statistic, 3)}, corrected p ${formatNumber(t.adjustedPValue, 2)}`
    : "no test";
  const sizes = `${formatCount(c.training.count)} training values, ${formatCount(c.current.count)} new`;
  return distributionChart({
    id,
    chart: "distribution",
    title: `${name}: training and new data`,
    description:
      `${c.status === "alert" ? "Alert" : "Warning"}: ${c.role} ${name} (${c.type}), PSI ${formatNumber(c.psi, 3)}, ${test}. ` +
      `Share of values per ${numeric ? "bin, in order of value" : "category"}, training then new: ` +
      bins
        .map(
          (b) => `${b.label}${b.flagged ? " (unseen)" : ""} ${percent(b.training)} and ${percent(b.current)}`,
        )
        .join("; ") +
      ".",
    caption: `${c.status === "alert" ? "Alert" : "Warning"}: PSI ${formatNumber(c.psi, 3)}, ${test}; ${sizes}.`,
    bins,
  });
}

function performanceSection(p: PerformanceJson, version: number): string {
  const rows = Object.entries(p.metrics).map(
    ([name, e]) =>
      `<tr><th scope="row">${h(metricDirection(name)?.label ?? name, 80)}</th><td class="num">${formatNumber(e.value)}</td><td class="num">${e.ci ? `[${formatNumber(e.ci.lower, 3)}, ${formatNumber(e.ci.upper, 3)}]` : "—"}</td><td class="num">${formatNumber(p.recorded[name] ?? null)}</td></tr>`,
  );
  const checks = p.gate.checks.map(
    (c) =>
      `<tr><td><span class="status ${c.status === "not_applicable" ? "na" : c.status}">${c.status === "not_applicable" ? "n/a" : c.status}</span></td><td>${h(c.reason, 400)}</td></tr>`,
  );
  const basis =
    p.gateBasis === "interval"
      ? " The gate judges the favourable end of each live interval (the live rows are not the rows the recorded metrics came from), so the values in its checks are those ends."
      : "";
  return `<p>${count(p.rows, "new row")} scored${p.skipped > 0 ? ` (${formatCount(p.skipped)} left out: target or a required feature missing)` : ""}. Gate <span class="status ${p.gate.passed ? "pass" : "fail"}">${p.gate.passed ? "passed" : "failed"}</span>.${basis}</p>
<div class="table-wrap"><table class="performance"><caption class="sr">Live metrics of the production version against those recorded for it</caption><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Live</th><th scope="col" class="num">95% interval</th><th scope="col" class="num">Recorded for v${version}</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>
${checks.length ? `<div class="table-wrap"><table><thead><tr><th scope="col">Status</th><th scope="col">Gate rule</th></tr></thead><tbody>${checks.join("")}</tbody></table></div>` : ""}`;
}

function method(m: MonitorModelReport): string {
  const t = m.thresholds;
  return `<details><summary>How drift is judged</summary><p>A column drifts when its test (two-sample Kolmogorov–Smirnov for numbers and dates, chi-square for categories and booleans) is significant at p &lt; ${formatNumber(t.pValue)} after ${t.correction === "holm" ? "Holm's" : "Bonferroni's"} correction for ${count(t.tests, "test")}; its population stability index then grades it: warn from ${formatNumber(t.psiWarn)}, alert from ${formatNumber(t.psiAlert)}. PSI uses the training bins, empty shares floored at ${formatNumber(t.psiEpsilon)}; chi-square cells with expected counts below ${formatNumber(t.minExpected)} are merged. Under no drift the chance of any drift warning is at most ${formatNumber(t.pValue)} per run.</p></details>`;
}

// ---------------------------------------------------------------------------------------------

function severity(c: ColumnDrift): number {
  return c.status === "alert" ? 2 : c.status === "warn" ? 1 : 0;
}

function sideText(s: ColumnDrift["training"], type: ColumnDrift["type"]): string {
  const total = s.count + s.missing;
  const missing = total > 0 ? s.missing / total : 0;
  const centre =
    s.mean === undefined || s.mean === null
      ? count(s.count, "value")
      : type === "date"
        ? `mean ${date(s.mean)}, sd ${formatNumber((s.std ?? 0) / 86_400_000, 3)} days`
        : `mean ${formatNumber(s.mean, 3)}, sd ${formatNumber(s.std ?? null, 3)}`;
  return missing > 0 ? `${centre}, ${formatNumber(missing * 100, 2)}% missing` : centre;
}

function date(v: number): string {
  return Number.isFinite(v) && Math.abs(v) <= 8.64e15
    ? new Date(Math.round(v)).toISOString().slice(0, 10)
    : "—";
}

function badge(v: Verdict): string {
  return `<span class="badge ${CLASS[v]}" aria-hidden="true">${SYMBOL[v]}</span>`;
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function count(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

/** What the evaluation report's style sheet lacks: the warn status, and the two sides' colours. */
const MONITOR_CSS = `
.verdict.warn{color:var(--warn)}.badge.warn{background:var(--warn)}
.status.warn{background:var(--warn-bg);color:var(--warn)}
svg .bar.training,svg .key.training{fill:var(--champion);fill-opacity:.8}
svg .bar.current,svg .key.current{fill:var(--challenger)}
svg .value.training{fill:var(--muted)}
table.drift td:last-child{min-width:14em}table.drift th[scope=row]{white-space:nowrap}
`;
