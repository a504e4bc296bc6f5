/**
 * One model in the Markdown report: the headline that is never left out (verdict, champion,
 * metric table, failures, warnings), then its gate rules and detail sections.
 */
import { dataChangeSection, dataChangeTitle } from "./markdown-data-change.js";
import { metricDirection } from "../evaluate/metrics.js";
import { codeSpan, escapeHtmlForGitHub, escapeText } from "./escape-markdown.js";
import { formatNumber, formatPercent, formatSigned } from "./format-number.js";
import type { GateCheckJson, MetricEstimateJson, ModelReport } from "./report-schema.js";
import { metricNamesOf } from "./report-schema.js";
import type { HistoryPoint } from "./metric-history.js";
import { changeVerdict, type ChangeVerdict } from "./change-verdict.js";
import { commandSection, commandTitle } from "./markdown-command.js";
import {
  MAX_WARNINGS,
  metricLabel,
  details,
  table,
  signedInterval,
  interval,
  formatCount,
  plural,
  type Level,
} from "./markdown-format.js";
import {
  slicesSection,
  coefficientsSection,
  fairnessSection,
  calibrationSection,
  dataSection,
  searchTitle,
  searchSection,
  historySection,
} from "./markdown-details.js";

const VERDICT_MARK: Record<ChangeVerdict, string> = {
  better: "🟢 better",
  worse: "🔴 worse",
  not_significant: "⚪ not significant",
  significant: "🟡 changed",
  none: "—",
};

/** The blocks of one model at a level of detail. */
export function renderModel(
  m: ModelReport,
  level: Level,
  history: readonly HistoryPoint[] | undefined,
): string[] {
  const blocks = headline(m, level.details);
  if (!level.details) return blocks;
  blocks.push(details(`Gate rules: ${gateCounts(m)}`, gateSection(m)));
  if (level.slices !== "none" && m.slices.length > 0)
    blocks.push(details(`Slices by ${plural(m.slices.length, "column")}`, slicesSection(m, level)));
  if (level.slices !== "none" && m.fairness && m.fairness.length > 0)
    blocks.push(
      details(`Fairness by ${plural(m.fairness.length, "column")}`, fairnessSection(m.fairness, level)),
    );
  if (m.calibration && m.calibration.length > 0)
    blocks.push(details("Calibration of the challenger", calibrationSection(m.calibration)));
  if (level.coefficients && (m.explanations.length > 0 || m.challenger.coefficients.length > 0))
    blocks.push(details("Feature contributions and coefficients", coefficientsSection(m)));
  if (level.coefficients && m.permutationImportance && m.permutationImportance.length > 0)
    blocks.push(details("Permutation importance", permutationSection(m)));
  if (m.dataChange) blocks.push(details(dataChangeTitle(m.dataChange), dataChangeSection(m.dataChange)));
  blocks.push(details("Data", dataSection(m)));
  if (m.search) blocks.push(details(`Search: ${searchTitle(m.search)}`, searchSection(m.search, level)));
  if (m.command) blocks.push(details(commandTitle(m.command), commandSection(m.command)));
  const chart = historySection(m, history);
  if (chart)
    blocks.push(
      details(
        `${escapeHtmlForGitHub(metricDirection(m.primaryMetric)?.label ?? m.primaryMetric, 60)} by version`,
        chart,
      ),
    );
  return blocks;
}

/** The part of a model that is never left out: verdict, champion, metric table, failures. */
export function headline(m: ModelReport, withWarnings: boolean): string[] {
  const algo = m.challenger.algorithm;
  const alpha = algo.alpha !== null && algo.type !== "linear" ? ` (α ${formatNumber(algo.alpha)})` : "";
  const blocks = [
    `### ${m.passed ? "✅" : "❌"} ${escapeText(m.name, 64)}: ${m.passed ? "passed" : "failed"}\n` +
      `${escapeText(m.task, 40)}, ${escapeText(algo.type, 40)}${alpha}; primary metric ${metricLabel(m.primaryMetric)}` +
      (m.threshold !== null && m.threshold !== undefined ? `; threshold ${formatNumber(m.threshold)}` : ""),
  ];
  if (m.description) blocks.push(`*${escapeText(m.description, 300)}*`);
  blocks.push(championLine(m));
  blocks.push(metricTable(m));

  const failures = m.gate.checks.filter((c) => c.status === "fail");
  if (failures.length > 0)
    blocks.push(
      [
        "**Gate failed:**",
        ...failures.slice(0, 5).map((c) => `- ❌ ${escapeText(c.reason, 300)}`),
        ...(failures.length > 5 ? [`- …and ${failures.length - 5} more (see the gate rules)`] : []),
      ].join("\n"),
    );
  else if (!m.passed) blocks.push(`**Gate failed:** ${escapeText(m.gate.summary, 300)}`);

  if (m.registryChanged)
    blocks.push(
      "⚠️ This pull request changes the registry folder; those edits are ignored (the registry changes only on promotion).",
    );
  if (m.warnings.length > 0 && !withWarnings)
    blocks.push(`⚠️ ${plural(m.warnings.length, "warning")} (left out)`);
  else if (m.warnings.length > 0)
    blocks.push(
      [
        "**Warnings:**",
        ...m.warnings.slice(0, MAX_WARNINGS).map((w) => `- ⚠️ ${escapeText(w, 300)}`),
        ...(m.warnings.length > MAX_WARNINGS
          ? [`- ⚠️ …and ${m.warnings.length - MAX_WARNINGS} more warnings`]
          : []),
      ].join("\n"),
    );
  return blocks;
}

function championLine(m: ModelReport): string {
  const c = m.champion;
  if (c === null) return "No champion yet: there is nothing to compare with, so change rules do not apply.";
  const who = `version ${c.version} (alias ${codeSpan(c.alias, { max: 40 })})`;
  if (!c.comparable)
    return (
      `⚠️ **The champion, ${who}, is not comparable**: ${escapeText(c.reason ?? "no reason was given", 300)}. ` +
      "Change rules do not apply."
    );
  return `Champion: ${who}, scored on the same ${formatCount(m.data.testRows)} test rows.`;
}

function metricNames(m: ModelReport): string[] {
  const names = metricNamesOf(m);
  return names.includes(m.primaryMetric)
    ? [m.primaryMetric, ...names.filter((n) => n !== m.primaryMetric)]
    : names;
}

function metricTable(m: ModelReport): string {
  const c = m.champion;
  const names = metricNames(m);
  if (c?.comparable) {
    const rows = names.map((name) => {
      const d = m.differences[name];
      const value = m.challenger.metrics[name]?.value ?? null;
      const championValue = d?.champion ?? c.metrics[name]?.value ?? null;
      return [
        metricCell(m, name),
        formatNumber(championValue),
        formatNumber(value),
        d ? formatSigned(d.difference) : "—",
        d ? formatPercent(d.relativeChange) : "—",
        d ? signedInterval(d.ci) : "—",
        d ? VERDICT_MARK[changeVerdict(name, d)] : "—",
      ];
    });
    return table(
      [
        ["Metric", `Champion v${c.version}`, "Challenger", "Change", "Relative", "Interval of change", ""],
        ...rows,
      ],
      ["l", "r", "r", "r", "r", "c", "l"],
    );
  }
  const rows = names.map((name) => [
    metricCell(m, name),
    formatNumber(m.challenger.metrics[name]!.value),
    interval(m.challenger.metrics[name]!.ci),
  ]);
  const notes = names.map((name) => metricNote(m.challenger.metrics[name]!));
  if (notes.some((n) => n !== ""))
    return table(
      [["Metric", "Challenger", "Interval", "Note"], ...rows.map((r, k) => [...r, notes[k]!])],
      ["l", "r", "c", "l"],
    );
  return table([["Metric", "Challenger", "Interval"], ...rows], ["l", "r", "c"]);
}

/** Why a metric has no value, or what it left out. */
function metricNote(e: MetricEstimateJson): string {
  if (e.value === null) return escapeText(e.reason ?? "undefined on these rows", 160);
  return e.excluded ? `${plural(e.excluded, "row")} left out` : "";
}

function metricCell(m: ModelReport, name: string): string {
  const label = metricLabel(name);
  return name === m.primaryMetric ? `**${label}**` : label;
}

function gateCounts(m: ModelReport): string {
  if (m.gate.checks.length === 0) return "none";
  const count = (s: GateCheckJson["status"]) => m.gate.checks.filter((c) => c.status === s).length;
  return [
    [count("fail"), "failed"],
    [count("pass"), "passed"],
    [count("not_applicable"), "not applicable"],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, w]) => `${n} ${w}`)
    .join(", ");
}

const STATUS_MARK: Record<GateCheckJson["status"], string> = {
  pass: "✅ pass",
  fail: "❌ fail",
  not_applicable: "➖ n/a",
};

function gateSection(m: ModelReport): string {
  if (m.gate.checks.length === 0) return "The spec sets no gate rules.";
  const rows = m.gate.checks.map((c) => [
    STATUS_MARK[c.status],
    describeRule(c),
    formatNumber(c.value),
    formatNumber(c.champion),
    escapeText(c.reason, 400),
  ]);
  return table([["", "Rule", "Challenger", "Champion", "Reason"], ...rows], ["l", "l", "r", "r", "l"]);
}

function describeRule(c: GateCheckJson): string {
  const label = escapeText(c.label, 60);
  switch (c.rule) {
    case "min":
      return `${label} ≥ ${formatNumber(c.bound)}`;
    case "max":
      return `${label} ≤ ${formatNumber(c.bound)}`;
    case "maxWorsening":
      return `${label} worsens by at most ${formatNumber(c.bound)}`;
    case "maxRelativeWorsening":
      return `${label} worsens by at most ${formatNumber(c.bound * 100)}%`;
  }
}

/**
 * Each feature's permutation importance, most important first: the primary metric's change when
 * the feature is shuffled among the test rows, with its paired interval.
 */
function permutationSection(m: ModelReport): string {
  const rows = [...(m.permutationImportance ?? [])]
    .sort((a, b) => {
      const higher = metricDirection(a.metric)?.higherIsBetter ?? false;
      const loss = (x: number | null) => (x === null ? -Infinity : higher ? -x : x);
      return loss(b.change) - loss(a.change);
    })
    .map((p) => [
      codeSpan(p.feature, { inTable: true, max: 80 }),
      formatSigned(p.change),
      signedInterval(p.ci),
    ]);
  const metric = m.permutationImportance?.[0]?.metric ?? m.primaryMetric;
  return [
    `How much ${metricLabel(metric)} changes on the test rows when a feature's values are shuffled among them (the model is not refitted). A change near 0 means the model barely uses the feature.`,
    "",
    table(
      [
        [
          "feature",
          "change when shuffled",
          `${Math.round((m.bootstrap?.confidence ?? 0.95) * 100)}% interval`,
        ],
        ...rows,
      ],
      ["l", "r", "r"],
    ),
  ].join("\n");
}
