/**
 * The monitor report as markdown: report.md, the job summary and the drift issue's body. Every
 * name that came from data or specs (models, columns, categories, reasons built from them)
 * passes through `escape-markdown.ts`, so nothing in a data file can mention, link or inject.
 */
import { markdownTable } from "markdown-table";
import { metricDirection } from "../evaluate/metrics.js";
import { codeSpan, escapeText } from "../report/escape-markdown.js";
import { formatInterval, formatNumber } from "../report/format-number.js";
import type {
  ColumnDrift,
  MonitorModelReport,
  MonitorReport,
  PerformanceJson,
  Verdict,
} from "../report/monitor-report-schema.js";

const MARK: Record<Verdict, string> = { ok: "🟢 ok", warn: "🟡 warn", alert: "🔴 alert" };
const STATUS: Record<ColumnDrift["status"], string> = { ...MARK, skipped: "⚪ skipped" };

/** Columns listed per model; the rest are counted. */
const MAX_COLUMNS = 200;
/** Reasons listed per model; the rest are counted. */
const MAX_REASONS = 50;

export interface MonitorMarkdownOptions {
  /** Title of the first heading. Default "modelgate monitor". */
  title?: string;
}

/** The whole report: a headline, then per model its reasons, drift table and performance. */
export function renderMonitorMarkdown(report: MonitorReport, options: MonitorMarkdownOptions = {}): string {
  const title = options.title ?? "modelgate monitor";
  const parts = [
    `## ${MARK[report.verdict]}: ${escapeText(title)}`,
    "",
    renderMonitorSummaryLine(report),
    "",
  ];
  for (const m of report.models) parts.push(renderMonitorModel(m), "");
  return parts.join("\n").trimEnd() + "\n";
}

/** One plain line: the verdict per model, for outputs and logs. */
export function renderMonitorSummaryLine(report: MonitorReport): string {
  if (report.models.length === 0) return "no model was monitored";
  return report.models
    .map((m) => {
      const counts = (["alert", "warn"] as const)
        .map((s) => [s, m.reasons.filter((r) => r.severity === s).length] as const)
        .filter(([, n]) => n > 0)
        .map(
          ([s, n]) =>
            `${n} ${s === "alert" ? (n === 1 ? "alert" : "alerts") : n === 1 ? "warning" : "warnings"}`,
        );
      // Model names are checked against MODEL_NAME_PATTERN: letters, digits, '.', '_' and '-'.
      return `${m.name} v${m.production.version}: ${m.verdict}${counts.length ? ` (${counts.join(", ")})` : ""}`;
    })
    .join("; ");
}

/** One model's section: reasons, drift table, unseen categories, live performance, method. */
export function renderMonitorModel(m: MonitorModelReport): string {
  const lines: string[] = [];
  lines.push(`### ${codeSpan(m.name)}: ${MARK[m.verdict]}`, "");
  lines.push(
    `Production ${escapeText(m.production.alias)} v${m.production.version} (model \`${m.production.modelSha256.slice(0, 12)}\`, trained on ${m.production.trainingRows} rows) against ${codeSpan(m.data.file)}: ${m.data.rows} rows, sha256 \`${m.data.sha256.slice(0, 12)}\`.`,
    "",
  );
  if (m.reasons.length > 0) {
    for (const r of m.reasons.slice(0, MAX_REASONS))
      lines.push(`- ${r.severity === "alert" ? "🔴" : "🟡"} ${escapeText(r.message, 400)}`);
    if (m.reasons.length > MAX_REASONS) lines.push(`- … and ${m.reasons.length - MAX_REASONS} more`);
    lines.push("");
  } else lines.push("No drift, no missing or new columns, no unseen categories.", "");

  if (m.missingColumns.length > 0)
    lines.push(
      `Missing from the new data: ${m.missingColumns.map((c) => `${codeSpan(c.name)} (${c.role})`).join(", ")}.`,
      "",
    );
  if (m.newColumns.length > 0)
    lines.push(`Not in the data spec: ${m.newColumns.map((n) => codeSpan(n)).join(", ")}.`, "");

  if (m.columns.length > 0) {
    lines.push("#### Drift", "", driftTable(m.columns.slice(0, MAX_COLUMNS)));
    if (m.columns.length > MAX_COLUMNS)
      lines.push("", `… and ${m.columns.length - MAX_COLUMNS} more columns.`);
    lines.push("");
    const quiet = m.columns.filter(
      (c) =>
        c.status === "ok" && c.psi !== null && c.psi >= m.thresholds.psiWarn && c.test && !c.test.significant,
    );
    if (quiet.length > 0)
      lines.push(
        `PSI at or above ${m.thresholds.psiWarn} without a significant test (too few rows to tell from noise): ${quiet
          .map(
            (c) =>
              `${codeSpan(c.name)} (PSI ${formatNumber(c.psi, 3)}, adjusted p ${formatNumber(c.test!.adjustedPValue, 2)}, ${c.test!.current} new values)`,
          )
          .join(", ")}.`,
        "",
      );
    const unseen = m.columns.filter((c) => c.unseen.length > 0);
    for (const c of unseen) {
      const listed = c.unseen.map((u) => `${codeSpan(u.value)} (${u.count})`).join(", ");
      lines.push(
        `Unseen in ${codeSpan(c.name)}: ${listed}${c.unseenOmitted > 0 ? ` and ${c.unseenOmitted} more` : ""}.`,
        "",
      );
    }
  }

  lines.push("#### Live performance", "");
  if (m.performance) lines.push(performanceSection(m.performance, m.production.version));
  else lines.push(escapeText(m.performanceNote ?? "not measured"));
  lines.push("");

  for (const w of m.warnings) lines.push(`> [!NOTE]\n> ${escapeText(w, 500)}`, "");

  const t = m.thresholds;
  lines.push(
    "<details><summary>How drift is judged</summary>",
    "",
    `A column drifts when its test (two-sample Kolmogorov–Smirnov for numbers and dates, chi-square for categories and booleans) is significant at p < ${t.pValue} after ${t.correction === "holm" ? "Holm's" : "Bonferroni's"} correction for ${t.tests} ${t.tests === 1 ? "test" : "tests"}; its population stability index then grades it: warn from ${t.psiWarn}, alert from ${t.psiAlert}. PSI uses the training bins, empty shares floored at ${t.psiEpsilon}; chi-square cells with expected counts below ${t.minExpected} are merged. Under no drift the chance of any drift warning is at most ${t.pValue} per run.`,
    "",
    "</details>",
  );
  return lines.join("\n");
}

function driftTable(columns: readonly ColumnDrift[]): string {
  const rows = columns.map((c) => [
    codeSpan(c.name, { inTable: true }),
    c.role,
    c.type,
    formatNumber(c.psi, 3),
    c.test ? (c.test.kind === "ks" ? "KS" : `χ² (df ${c.test.df ?? "?"})`) : "—",
    c.test ? formatNumber(c.test.statistic, 3) : "—",
    c.test ? `${formatNumber(c.test.pValue, 2)} / ${formatNumber(c.test.adjustedPValue, 2)}` : "—",
    sideText(c.training, c.type),
    sideText(c.current, c.type),
    STATUS[c.status],
  ]);
  return markdownTable(
    [
      ["column", "role", "type", "PSI", "test", "statistic", "p / adjusted", "training", "new", "status"],
      ...rows,
    ],
    { align: ["l", "l", "l", "r", "l", "r", "r", "r", "r", "l"] },
  );
}

function sideText(s: ColumnDrift["training"], type: ColumnDrift["type"]): string {
  const missing = s.count + s.missing > 0 ? s.missing / (s.count + s.missing) : 0;
  const day = 86_400_000;
  const centre =
    s.mean === undefined || s.mean === null
      ? `${s.count} values`
      : type === "date"
        ? `mean ${new Date(Math.round(s.mean)).toISOString().slice(0, 10)}, sd ${formatNumber((s.std ?? 0) / day, 3)} days`
        : `mean ${formatNumber(s.mean, 3)}, sd ${formatNumber(s.std, 3)}`;
  return missing > 0 ? `${centre}, ${formatNumber(missing * 100, 2)}% missing` : centre;
}

function performanceSection(p: PerformanceJson, version: number): string {
  const rows = Object.entries(p.metrics).map(([name, e]) => [
    escapeText(metricDirection(name)?.label ?? name),
    formatNumber(e.value),
    formatInterval(e.ci),
    formatNumber(p.recorded[name] ?? null),
  ]);
  const table = markdownTable([["metric", "live", "95% interval", `recorded for v${version}`], ...rows], {
    align: ["l", "r", "r", "r"],
  });
  const checks = p.gate.checks.map(
    (c) => `- ${c.status === "fail" ? "❌" : c.status === "pass" ? "✅" : "➖"} ${escapeText(c.reason, 400)}`,
  );
  const basis =
    p.gateBasis === "interval"
      ? " The gate judges the favourable end of each live interval (the live rows are not the rows the recorded metrics came from), so the values in its checks are those ends."
      : "";
  return [
    `${p.rows} new rows scored${p.skipped > 0 ? ` (${p.skipped} left out: target or a required feature missing)` : ""}. Gate ${p.gate.passed ? "passed" : "**failed**"}.${basis}`,
    "",
    table,
    ...(checks.length ? ["", ...checks] : []),
  ].join("\n");
}
