/** The plain, readable summary `modelgate run` prints: one block per model, from report.json. */
import { metricNamesOf, type ModelReport, type Report } from "../src/report/report-schema.js";
import { formatInterval, formatNumber, formatPercent, formatSigned } from "../src/report/format-number.js";

/** Renders a whole report for a terminal (no colours: it is also read in CI logs). */
export function renderTerminal(report: Report): string {
  const blocks = report.models.map(renderModel);
  const failed = report.models.filter((m) => !m.passed).map((m) => m.name);
  blocks.push(
    failed.length === 0
      ? `gate passed for ${plural(report.models.length, "model")}`
      : `gate FAILED for ${failed.join(", ")}`,
  );
  return blocks.join("\n\n") + "\n";
}

function renderModel(m: ModelReport): string {
  const lines: string[] = [];
  const algo = m.challenger.algorithm;
  lines.push(
    `${m.name}  ${m.task}, ${algo.type}${algo.alpha !== null && algo.type !== "linear" ? ` (alpha ${formatNumber(algo.alpha)})` : ""}  ${m.passed ? "PASSED" : "FAILED"}`,
  );
  const d = m.data;
  lines.push(
    `  data      ${d.file}  sha256 ${d.sha256.slice(0, 12)}  ${d.rows} rows: ${d.trainRows} train, ${d.testRows} test` +
      (d.missingTarget ? `, ${d.missingTarget} without a target (left out)` : ""),
  );
  if (m.search && m.search.trials.length > 1) {
    const best = m.search.trials[m.search.chosen]!;
    lines.push(
      `  search    ${m.search.method}, ${plural(m.search.trials.length + m.search.omittedTrials, "trial")}, ${m.search.folds}-fold CV on ${m.search.metric}: chose ${describeParams(best.params)} (CV ${m.search.metric} ${formatNumber(best.score)})`,
    );
  }
  const champion = m.champion;
  if (champion)
    lines.push(
      champion.comparable
        ? `  champion  version ${champion.version} (alias ${champion.alias}), scored on the same ${d.testRows} test rows`
        : `  champion  version ${champion.version} (alias ${champion.alias}) is not comparable: ${champion.reason ?? "unknown reason"}`,
    );
  else lines.push("  champion  none yet (no version under alias production): change rules do not apply");

  const metricNames = metricNamesOf(m);
  const rows: string[][] = [
    [
      "metric",
      "challenger",
      "interval",
      ...(champion?.comparable ? [`champion v${champion.version}`, "change", "interval", ""] : []),
    ],
  ];
  for (const name of metricNames) {
    const c = m.challenger.metrics[name]!;
    const row = [name, formatNumber(c.value), formatInterval(c.ci)];
    const diff = m.differences[name];
    if (champion?.comparable && diff) {
      row.push(
        formatNumber(diff.champion),
        `${formatSigned(diff.difference)} (${formatPercent(diff.relativeChange)})`,
        formatInterval(diff.ci),
        diff.significant === null ? "" : diff.significant ? "significant" : "not significant",
      );
    }
    rows.push(row);
  }
  lines.push("", ...table(rows).map((l) => `  ${l}`));

  lines.push("", `  gate ${m.gate.passed ? "passed" : "FAILED"}`);
  if (m.gate.checks.length === 0) lines.push("    (no rules)");
  for (const c of m.gate.checks)
    lines.push(`    ${c.status === "pass" ? "✓" : c.status === "fail" ? "✗" : "–"} ${c.reason}`);

  for (const s of m.slices) {
    const primary = m.primaryMetric;
    const groups = s.groups.map(
      (g) =>
        `${g.group} ${g.tooSmall ? "(too small)" : formatNumber(g.metrics[primary] ?? null)} (${g.rows})${g.worst ? " ← worst" : ""}`,
    );
    lines.push(`  slice ${s.column} (${primary}, rows): ${groups.join(" · ")}`);
  }
  if (m.fairness && m.fairness.length > 0) {
    lines.push(
      "",
      `  fairness (predicted positive at probability ≥ ${formatNumber(m.threshold ?? 0.5)}; differences are max - min over groups)`,
    );
    for (const f of m.fairness) {
      lines.push(
        `    ${f.column}: parity difference ${formatNumber(f.parityDifference.value)} ${formatInterval(f.parityDifference.ci)}, ` +
          `equal opportunity difference ${formatNumber(f.equalOpportunityDifference.value)} ${formatInterval(f.equalOpportunityDifference.ci)}`,
      );
      const rowsF = [["group", "rows", "positive rate", "true-positive rate"]];
      for (const g of f.groups)
        rowsF.push([
          g.group,
          String(g.rows),
          g.tooSmall ? "(too small)" : formatNumber(g.positiveRate),
          g.tooSmall ? "" : formatNumber(g.truePositiveRate),
        ]);
      lines.push(...table(rowsF).map((l) => `      ${l}`));
    }
  }
  if (m.calibration && m.calibration.length > 0) {
    lines.push("", "  calibration (test rows by decile of predicted probability)");
    const rowsC = [["decile", "rows", "mean predicted", "observed rate"]];
    for (const b of m.calibration)
      rowsC.push([
        String(b.bin),
        String(b.rows),
        formatNumber(b.meanPredicted, 3),
        formatNumber(b.observedRate, 3),
      ]);
    lines.push(...table(rowsC).map((l) => `    ${l}`));
  }
  if (m.explanations.length > 0) {
    lines.push(
      "",
      "  explanation (mean |contribution| to predictions on test rows; coefficient ± standard error)",
    );
    const ex = [...m.explanations].sort((a, b) => b.meanAbsContribution - a.meanAbsContribution);
    const rowsEx = ex.flatMap((e) =>
      e.terms.map((t, k) => [
        k === 0 ? e.feature : "",
        k === 0 ? formatNumber(e.meanAbsContribution) : "",
        t.term,
        `${formatNumber(t.coefficient)}${t.standardError !== null ? ` ± ${formatNumber(t.standardError, 2)}` : ""}`,
      ]),
    );
    lines.push(...table(rowsEx).map((l) => `    ${l}`));
  }
  for (const w of m.warnings) lines.push(`  warning: ${w}`);
  return lines.join("\n");
}

function describeParams(p: {
  alpha: number | null;
  features: string[];
  degree: Record<string, number>;
  command?: Record<string, number | string | boolean>;
}): string {
  if (p.command)
    return (
      Object.entries(p.command)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(", ") || "defaults"
    );
  const parts: string[] = [];
  if (p.alpha !== null) parts.push(`alpha ${formatNumber(p.alpha)}`);
  for (const [f, d] of Object.entries(p.degree)) parts.push(`${f} degree ${d}`);
  parts.push(plural(p.features.length, "feature"));
  return parts.join(", ");
}

function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
