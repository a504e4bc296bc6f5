/**
 * The PR comment and job summary, rendered from report.json alone.
 *
 * The App renders this from a report.json it downloaded from an untrusted pull request's run,
 * so every string of the report goes through `escape-markdown.ts` on its way out, and the whole
 * stays under GitHub's comment limit by leaving out detail, in a fixed order, rather than
 * failing (see `LEVELS`).
 */
import { markdownTable } from "markdown-table";
import { metricDirection } from "../evaluate/metrics.js";
import {
  cleanText,
  codeSpan,
  escapeHtmlForGitHub,
  escapeText,
  mermaidLabel,
  plainToken,
} from "./escape-markdown.js";
import { formatNumber, formatPercent, formatSigned } from "./format-number.js";
import type {
  ChampionJson,
  DifferenceJson,
  CalibrationBinJson,
  ExplanationJson,
  FairnessJson,
  GateCheckJson,
  MetricEstimateJson,
  ModelReport,
  Report,
  SearchJson,
  SliceJson,
} from "./report-schema.js";
import { metricNamesOf } from "./report-schema.js";

/** One registry version's value of a model's primary metric. */
export interface HistoryPoint {
  version: number;
  /** The model's primary metric as the registry recorded it for this version; null if it has none. */
  value: number | null;
}

/**
 * The primary metric of earlier versions, per model name, as the caller read them from the
 * registry (the report does not carry them). Versions in any order; the candidate of this
 * report is added at the end by the renderer.
 */
export type MetricHistory = Readonly<Record<string, readonly HistoryPoint[]>>;

export interface MarkdownOptions {
  history?: MetricHistory;
  /** Characters the result may have; default 65,000 (GitHub refuses comments over 65,536). */
  maxLength?: number;
  /** What the title line calls the report; default "modelgate". */
  title?: string;
}

export const DEFAULT_MAX_LENGTH = 65_000;

/** How a challenger's metric moved against the champion, judged by its interval. */
export type ChangeVerdict = "better" | "worse" | "not_significant" | "significant" | "none";

/**
 * The verdict of one difference: `better` or `worse` when its interval excludes zero (and the
 * metric's direction is known; `significant` otherwise), `not_significant` when it includes
 * zero, `none` without an interval.
 */
export function changeVerdict(metric: string, d: DifferenceJson): ChangeVerdict {
  if (d.significant === null || d.difference === null) return "none";
  if (!d.significant) return "not_significant";
  const direction = metricDirection(metric);
  if (direction === undefined || d.difference === 0) return "significant";
  return d.difference > 0 === direction.higherIsBetter ? "better" : "worse";
}

const VERDICT_MARK: Record<ChangeVerdict, string> = {
  better: "🟢 better",
  worse: "🔴 worse",
  not_significant: "⚪ not significant",
  significant: "🟡 changed",
  none: "—",
};

/** Renders the whole report as GitHub-flavoured Markdown, shortened to fit `maxLength`. */
export function renderMarkdown(report: Report, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
  for (const level of LEVELS) {
    const out = tryRender(report, options, level, max);
    if (out !== null) return out;
  }
  return renderHeadlinesOnly(report, options, max);
}

/**
 * One line for a check-run title or an Action output: the verdict and, for one model, its
 * primary metric against the champion. Names are reduced to `[A-Za-z0-9._:-]`, so the line is
 * inert as plain text and as Markdown.
 */
export function renderSummaryLine(report: Report): string {
  const failed = report.models.filter((m) => !m.passed);
  if (report.models.length !== 1) {
    if (report.models.length === 0) return "no models were evaluated";
    if (failed.length === 0) return `gate passed for ${report.models.length} models`;
    const names = failed.slice(0, 5).map((m) => plainToken(m.name));
    const more = failed.length > 5 ? ` and ${failed.length - 5} more` : "";
    return `gate failed for ${failed.length} of ${report.models.length} models: ${names.join(", ")}${more}`;
  }
  const m = report.models[0]!;
  const metric = plainToken(m.primaryMetric);
  const value = m.challenger.metrics[m.primaryMetric]?.value ?? null;
  const d = m.differences[m.primaryMetric];
  const champion = m.champion;
  let against: string;
  if (champion === null) against = "no champion yet";
  else if (!champion.comparable) against = `champion v${champion.version} not comparable`;
  else if (d === undefined) against = `vs v${champion.version}`;
  else {
    const verdict = changeVerdict(m.primaryMetric, d);
    against = `${formatPercent(d.relativeChange)} vs v${champion.version}${verdict === "none" ? "" : `, ${verdict.replace("_", " ")}`}`;
  }
  const failures = m.gate.checks.filter((c) => c.status === "fail");
  const rules =
    failures.length === 0
      ? ""
      : ` · ${failures.length} ${failures.length === 1 ? "rule" : "rules"} failed: ${failures
          .slice(0, 3)
          .map((c) => `${plainToken(c.metric)} ${c.rule}`)
          .join(", ")}${failures.length > 3 ? ", …" : ""}`;
  return `gate ${m.passed ? "passed" : "failed"} · ${plainToken(m.name)} ${metric} ${formatNumber(value)} (${against})${rules}`;
}

// ---------------------------------------------------------------------------------------------
// Levels of detail, from everything to the headline tables.

interface Level {
  trials: boolean;
  coefficients: boolean;
  slices: "all" | "some" | "none";
  details: boolean;
  /** What this level leaves out, for the note. */
  leftOut: string[];
}

/** Groups per slice kept at the "some" level (the worst is always kept). */
const SOME_GROUPS = 8;
/** Trials listed at most, best first (the chosen one always). */
const MAX_TRIALS = 25;
const MAX_WARNINGS = 20;

const LEVELS: Level[] = [
  { trials: true, coefficients: true, slices: "all", details: true, leftOut: [] },
  { trials: false, coefficients: true, slices: "all", details: true, leftOut: ["search trials"] },
  {
    trials: false,
    coefficients: false,
    slices: "all",
    details: true,
    leftOut: ["search trials", "feature contributions and coefficients"],
  },
  {
    trials: false,
    coefficients: false,
    slices: "some",
    details: true,
    leftOut: [
      "search trials",
      "feature contributions and coefficients",
      `slice groups beyond the worst and the ${SOME_GROUPS - 1} largest`,
    ],
  },
  {
    trials: false,
    coefficients: false,
    slices: "none",
    details: true,
    leftOut: ["search trials", "feature contributions and coefficients", "slices and fairness"],
  },
  {
    trials: false,
    coefficients: false,
    slices: "none",
    details: false,
    leftOut: ["the details of each model (gate rules, slices, coefficients, data, search, history)"],
  },
];

class Overflow extends Error {}

/** Collects output and gives up as soon as it passes the limit (big reports stop early). */
class Budget {
  private parts: string[] = [];
  private length = 0;
  constructor(private readonly max: number) {}
  push(...blocks: string[]): void {
    for (const b of blocks) {
      this.length += b.length + 2;
      if (this.length > this.max) throw new Overflow();
      this.parts.push(b);
    }
  }
  get used(): number {
    return this.length;
  }
  text(): string {
    return `${this.parts.join("\n\n")}\n`;
  }
}

function tryRender(report: Report, options: MarkdownOptions, level: Level, max: number): string | null {
  const budget = new Budget(max);
  try {
    budget.push(titleLine(report, options));
    const context = contextLine(report);
    if (context) budget.push(context);
    if (level.leftOut.length > 0) budget.push(shortenedNote(level.leftOut));
    for (const m of report.models) budget.push(...renderModel(m, level, options.history?.[m.name]));
    budget.push(legend(report));
    return budget.text();
  } catch (e) {
    if (e instanceof Overflow) return null;
    throw e;
  }
}

/** The last resort: headline tables while they fit, then one line per model, then a count. */
function renderHeadlinesOnly(report: Report, options: MarkdownOptions, max: number): string {
  const head = [titleLine(report, options), contextLine(report)].filter((s): s is string => s !== "");
  const tail = legend(report);
  const note = (n: number) =>
    shortenedNote([
      "the details of each model",
      ...(n > 0 ? [`the tables of ${n} ${n === 1 ? "model" : "models"} (listed at the end)`] : []),
    ]);
  const fixed = [...head, note(report.models.length), tail].join("\n\n").length + 200;
  const blocks: string[] = [];
  let used = fixed;
  let k = 0;
  for (; k < report.models.length; k++) {
    const block = headline(report.models[k]!, false).join("\n\n");
    // Keep room for the one-line entries of the models that follow.
    if (used + block.length + 2 + (report.models.length - k - 1) * 90 > max) break;
    blocks.push(block);
    used += block.length + 2;
  }
  const rest = report.models.slice(k);
  if (rest.length > 0) {
    const lines: string[] = [];
    for (const [i, m] of rest.entries()) {
      const line = `- ${m.passed ? "✅" : "❌"} ${escapeText(m.name, 64)}: ${m.passed ? "passed" : "failed"}`;
      if (used + line.length + 1 + 60 > max) {
        lines.push(`- …and ${rest.length - i} more`);
        break;
      }
      lines.push(line);
      used += line.length + 1;
    }
    blocks.push(lines.join("\n"));
  }
  const out = `${[...head, note(rest.length), ...blocks, tail].join("\n\n")}\n`;
  // The estimates above keep well inside the limit; this only guards a tiny `maxLength`.
  return out.length <= max ? out : `${cleanText(head[0] ?? "", Math.max(0, max - 1))}\n`.slice(0, max);
}

function shortenedNote(leftOut: string[]): string {
  return (
    `> [!NOTE]\n> Shortened to fit GitHub's size limit for comments: left out ${leftOut.join("; ")}. ` +
    "The full report is `report.html` in the run's `modelgate-report-*` artifacts."
  );
}

// ---------------------------------------------------------------------------------------------
// The top of the comment.

function titleLine(report: Report, options: MarkdownOptions): string {
  const title = escapeText(options.title ?? "modelgate", 80);
  const n = report.models.length;
  if (n === 0) return `## ⚠️ ${title}: no models were evaluated`;
  const failed = report.models.filter((m) => !m.passed).length;
  const models = (k: number) => `${k} ${k === 1 ? "model" : "models"}`;
  return failed === 0
    ? `## ✅ ${title}: the gate passed for ${models(n)}`
    : `## ❌ ${title}: the gate failed for ${failed === n && n === 1 ? models(1) : `${failed} of ${models(n)}`}`;
}

function contextLine(report: Report): string {
  const parts: string[] = [];
  const commit = (c: { sha: string | null; ref: string | null }, what: string) => {
    const bits = [c.ref ? codeSpan(c.ref, { max: 80 }) : "", c.sha ? codeSpan(c.sha.slice(0, 12)) : ""];
    const text = bits.filter(Boolean).join(" at ");
    if (text) parts.push(`${what} ${text}`);
  };
  commit(report.head, "Head");
  if (report.base) commit(report.base, "base");
  return parts.join(", ");
}

/** "95%" when every model's intervals share one level, else a note that the spec sets it. */
function confidenceOf(report: Report): string {
  const levels = new Set(report.models.map((m) => m.bootstrap?.confidence));
  const [only] = [...levels];
  return levels.size === 1 && typeof only === "number"
    ? `${formatNumber(only * 100, 3)}%`
    : "95% unless the spec sets another confidence";
}

function legend(report: Report): string {
  const anyChampion = report.models.some((m) => m.champion?.comparable);
  const lines = [
    "**How to read this.** " +
      (anyChampion
        ? "Change is challenger − champion on the same test rows; its interval is a paired bootstrap " +
          `interval (${confidenceOf(report)}). 🟢 better and 🔴 worse: the interval ` +
          "excludes zero, so the change is unlikely to be noise; ⚪ not significant: it includes zero. "
        : "") +
      "An interval beside a single value is the bootstrap interval of that metric on the test rows. " +
      "The gate decides on the point values and the rules of the spec, not on the marks.",
    `<sub>${escapeHtmlForGitHub(`modelgate ${report.tool.version}`, 60)} · report schema ${report.schemaVersion}</sub>`,
  ];
  return lines.join("\n\n");
}

// ---------------------------------------------------------------------------------------------
// One model.

function renderModel(m: ModelReport, level: Level, history: readonly HistoryPoint[] | undefined): string[] {
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
  blocks.push(details("Data", dataSection(m)));
  if (m.search) blocks.push(details(`Search: ${searchTitle(m.search)}`, searchSection(m.search, level)));
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
function headline(m: ModelReport, withWarnings: boolean): string[] {
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

/** A metric's label from the catalogue (trusted text) or, for an unknown name, the name as code. */
function metricLabel(name: string): string {
  const known = metricDirection(name);
  return known ? escapeText(known.label, 80) : codeSpan(name, { inTable: true, max: 60 });
}

// ---------------------------------------------------------------------------------------------
// Details sections.

/** A collapsed section; the summary is escaped for HTML (it sits inside a raw HTML block). */
function details(summary: string, body: string): string {
  return `<details>\n<summary>${summary}</summary>\n\n${body}\n\n</details>`;
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

function slicesSection(m: ModelReport, level: Level): string {
  const primary = m.primaryMetric;
  const direction = metricDirection(primary);
  const blocks: string[] = [
    `${metricLabel(primary)} per group of the test rows` +
      (direction ? ` (${direction.higherIsBetter ? "higher" : "lower"} is better)` : "") +
      "; ⚠️ marks the challenger's worst group.",
  ];
  for (const s of m.slices) blocks.push(sliceTable(s, m, level));
  return blocks.join("\n\n");
}

function sliceTable(s: SliceJson, m: ModelReport, level: Level): string {
  const primary = m.primaryMetric;
  const withChampion = s.groups.some((g) => g.champion !== null);
  let groups = s.groups;
  if (level.slices === "some" && groups.length > SOME_GROUPS) {
    const keep = new Set(
      groups
        .map((g, k) => ({ g, k }))
        .sort((x, y) => Number(y.g.worst) - Number(x.g.worst) || y.g.rows - x.g.rows || x.k - y.k)
        .slice(0, SOME_GROUPS)
        .map((x) => x.k),
    );
    groups = groups.filter((_, k) => keep.has(k));
  }
  const hidden = s.groups.length - groups.length + s.omittedGroups;
  const rows = groups.map((g) => {
    const own = g.metrics[primary] ?? null;
    const theirs = g.champion?.[primary] ?? null;
    const flag = g.worst ? "⚠️ worst" : g.tooSmall ? "too small" : "";
    const name = codeSpan(g.group, { inTable: true, max: 80 });
    return withChampion
      ? [name, formatCount(g.rows), formatNumber(theirs), formatNumber(own), change(own, theirs), flag]
      : [name, formatCount(g.rows), formatNumber(own), flag];
  });
  const header = withChampion
    ? ["Group", "Rows", "Champion", "Challenger", "Change", ""]
    : ["Group", "Rows", "Challenger", ""];
  const align = withChampion ? ["l", "r", "r", "r", "r", "l"] : ["l", "r", "r", "l"];
  return (
    `**By ${codeSpan(s.column, { max: 80 })}**` +
    (hidden > 0 ? ` (${plural(hidden, "more group")} not listed)` : "") +
    `\n\n${table([header, ...rows], align)}`
  );
}

function coefficientsSection(m: ModelReport): string {
  const champion = m.champion;
  const theirs = new Map((champion?.coefficients ?? []).map((t) => [t.term, t.coefficient]));
  const withChampion = champion !== null && champion.coefficients.length > 0;
  const seen = new Set<string>();
  const rows: string[][] = [];
  const ordered: ExplanationJson[] = [...m.explanations].sort(
    (a, b) => b.meanAbsContribution - a.meanAbsContribution,
  );
  const termRow = (
    feature: string,
    contribution: string,
    term: string,
    own: number | null,
    se: number | null,
  ) => {
    const other = theirs.get(term) ?? null;
    const ownText =
      own === null ? "—" : `${formatNumber(own)}${se !== null ? ` ± ${formatNumber(se, 2)}` : ""}`;
    return withChampion
      ? [
          feature,
          contribution,
          codeSpan(term, { inTable: true, max: 80 }),
          ownText,
          formatNumber(other),
          change(own, other),
        ]
      : [feature, contribution, codeSpan(term, { inTable: true, max: 80 }), ownText];
  };
  for (const e of ordered) {
    e.terms.forEach((t, k) => {
      seen.add(t.term);
      rows.push(
        termRow(
          k === 0 ? codeSpan(e.feature, { inTable: true, max: 80 }) : "",
          k === 0 ? formatNumber(e.meanAbsContribution) : "",
          t.term,
          t.coefficient,
          t.standardError,
        ),
      );
    });
  }
  // Terms without an explanation (none today, but the report allows it), then the champion's dropped ones.
  for (const t of m.challenger.coefficients)
    if (!seen.has(t.term)) {
      seen.add(t.term);
      rows.push(termRow("", "", t.term, t.coefficient, t.standardError));
    }
  for (const t of champion?.coefficients ?? [])
    if (!seen.has(t.term)) rows.push(termRow("*(dropped)*", "", t.term, null, null));
  const intercept = [
    "*(intercept)*",
    "",
    "",
    formatNumber(m.challenger.intercept),
    ...(withChampion
      ? [formatNumber(champion.intercept), change(m.challenger.intercept, champion.intercept)]
      : []),
  ];
  rows.push(intercept);
  const header = withChampion
    ? ["Feature", "Mean abs. contribution", "Term", "Coefficient ± SE", "Champion", "Change"]
    : ["Feature", "Mean abs. contribution", "Term", "Coefficient ± SE"];
  return (
    "Mean absolute contribution of each feature to the challenger's predictions on the test rows, in the target's units; " +
    (withChampion
      ? "coefficients of the challenger beside the champion's, term by term."
      : "coefficients of the challenger.") +
    `\n\n${table([header, ...rows], withChampion ? ["l", "r", "l", "r", "r", "r"] : ["l", "r", "l", "r"])}`
  );
}

function fairnessSection(fairness: FairnessJson[], level: Level): string {
  const blocks = [
    "Rates of the challenger per group of each sensitive column, and the largest difference between groups " +
      "(0 is parity; the interval is a bootstrap interval).",
  ];
  for (const f of fairness) {
    let groups = f.groups;
    if (level.slices === "some" && groups.length > SOME_GROUPS)
      groups = [...groups].sort((a, b) => b.rows - a.rows).slice(0, SOME_GROUPS);
    const hidden = f.groups.length - groups.length;
    const difference = (label: string, e: MetricEstimateJson) =>
      `${label} ${formatNumber(e.value)}${e.ci ? ` ${interval(e.ci)}` : ""}${e.value === null && e.reason ? ` (${escapeText(e.reason, 160)})` : ""}`;
    const rows = groups.map((g) => [
      codeSpan(g.group, { inTable: true, max: 80 }),
      formatCount(g.rows),
      formatCount(g.positives),
      formatNumber(g.positiveRate),
      formatNumber(g.truePositiveRate),
      g.tooSmall ? "too small" : "",
    ]);
    blocks.push(
      `**By ${codeSpan(f.column, { max: 80 })}**: ${difference("parity difference", f.parityDifference)}; ` +
        `${difference("equal opportunity difference", f.equalOpportunityDifference)}` +
        (hidden > 0 ? ` (${plural(hidden, "more group")} not listed)` : "") +
        `\n\n${table(
          [["Group", "Rows", "Positives", "Predicted positive", "True positive rate", ""], ...rows],
          ["l", "r", "r", "r", "r", "l"],
        )}`,
    );
  }
  return blocks.join("\n\n");
}

function calibrationSection(bins: CalibrationBinJson[]): string {
  const rows = bins.map((b) => [
    String(b.bin + 1),
    `${formatNumber(b.minPredicted, 3)} to ${formatNumber(b.maxPredicted, 3)}`,
    formatCount(b.rows),
    formatNumber(b.meanPredicted, 3),
    formatNumber(b.observedRate, 3),
  ]);
  return (
    "Test rows binned by predicted probability: a calibrated model's observed rate matches its mean prediction.\n\n" +
    table(
      [["Bin", "Predicted", "Rows", "Mean predicted", "Observed rate"], ...rows],
      ["r", "l", "r", "r", "r"],
    )
  );
}

function dataSection(m: ModelReport): string {
  const d = m.data;
  const c: ChampionJson | null = m.champion;
  const same = (ours: string, theirs: string | null | undefined, what: string) =>
    !c || !theirs
      ? ""
      : ours === theirs
        ? ` (the same ${what} as the champion's)`
        : ` (changed: the champion's was ${codeSpan(theirs.slice(0, 12))})`;
  const lines = [
    `- File ${codeSpan(d.file, { max: 160 })}, sha256 ${codeSpan(d.sha256.slice(0, 12))}${same(d.sha256, c?.dataHash, "data")}`,
    `- ${formatCount(d.rows)} rows: ${formatCount(d.trainRows)} train, ${formatCount(d.testRows)} test` +
      (d.missingTarget > 0 ? `; ${formatCount(d.missingTarget)} without a target, left out` : ""),
    `- Split: ${formatNumber(d.split.test * 100)}% test by a stable hash, salt ${codeSpan(d.split.salt, { max: 60 })}`,
    `- Spec hash ${codeSpan(m.specHash.slice(0, 12))}${same(m.specHash, c?.specHash, "spec")}; model sha256 ${codeSpan(m.challenger.modelSha256.slice(0, 12))}`,
  ];
  if (d.columns.length === 0) return lines.join("\n");
  const rows = d.columns.map((col) => {
    // Dates are profiled as epoch milliseconds; people read them as dates and spreads in days.
    const date = col.type === "date";
    const at = (v: number | null | undefined) => (date ? formatDate(v) : formatNumber(v ?? null));
    const spread =
      date && col.std !== null && col.std !== undefined
        ? `${formatNumber(col.std / 86_400_000, 3)} days`
        : formatNumber(col.std ?? null);
    return [
      codeSpan(col.name, { inTable: true, max: 80 }),
      col.type,
      formatCount(col.missing),
      at(col.mean),
      spread,
      at(col.min),
      at(col.max),
      col.distinct === undefined ? "—" : formatCount(col.distinct),
    ];
  });
  return `${lines.join("\n")}\n\n${table(
    [["Column", "Type", "Missing", "Mean", "Std", "Min", "Max", "Distinct"], ...rows],
    ["l", "l", "r", "r", "r", "r", "r", "r"],
  )}`;
}

function searchTitle(s: SearchJson): string {
  const n = s.trials.length + s.omittedTrials;
  return `${escapeHtmlForGitHub(s.method, 20)}, ${plural(n, "trial")}`;
}

function describeTrial(t: SearchJson["trials"][number], allFeatures: readonly string[]): string {
  const parts: string[] = [];
  if (t.params.alpha !== null) parts.push(`α ${formatNumber(t.params.alpha)}`);
  for (const [f, degree] of Object.entries(t.params.degree))
    parts.push(`${codeSpan(f, { inTable: true, max: 60 })} degree ${degree}`);
  const missing = allFeatures.filter((f) => !t.params.features.includes(f));
  parts.push(
    missing.length === 0
      ? `all ${plural(t.params.features.length, "feature")}`
      : `without ${missing
          .slice(0, 5)
          .map((f) => codeSpan(f, { inTable: true, max: 60 }))
          .join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`,
  );
  return parts.join(", ");
}

function searchSection(s: SearchJson, level: Level): string {
  const chosen = s.trials[s.chosen];
  const allFeatures = [...new Set(s.trials.flatMap((t) => t.params.features))];
  const metric = metricLabel(s.metric);
  const intro =
    `${plural(s.trials.length + s.omittedTrials, "trial")}, scored by ${s.folds}-fold cross-validation on the training rows, ${metric}.` +
    (chosen
      ? ` Chosen: trial ${s.chosen + 1} (${describeTrial(chosen, allFeatures)}), CV ${metric} ${formatNumber(chosen.score)}.`
      : "");
  if (!level.trials) return intro;
  const direction = metricDirection(s.metric);
  // Best first; trials without a score last.
  const key = (t: SearchJson["trials"][number]) =>
    t.score === null ? Infinity : direction?.higherIsBetter ? -t.score : t.score;
  const order = s.trials.map((t, k) => ({ t, k })).sort((x, y) => key(x.t) - key(y.t) || x.k - y.k);
  const listed = order.slice(0, MAX_TRIALS);
  if (!listed.some((x) => x.k === s.chosen) && chosen) listed.push({ t: chosen, k: s.chosen });
  const rows = listed.map(({ t, k }) => [
    String(k + 1),
    describeTrial(t, allFeatures),
    formatNumber(t.score),
    k === s.chosen ? "★ chosen" : "",
  ]);
  const hidden = s.trials.length - listed.length + s.omittedTrials;
  return (
    `${intro}\n\n${table([["Trial", "Parameters", `CV ${metric}`, ""], ...rows], ["r", "l", "r", "l"])}` +
    (hidden > 0 ? `\n\n${plural(hidden, "more trial")} not listed.` : "")
  );
}

/** Mermaid chart of the primary metric across registry versions, then this candidate. */
function historySection(m: ModelReport, history: readonly HistoryPoint[] | undefined): string | null {
  if (!history || history.length === 0) return null;
  const points = [...history]
    .filter((p) => Number.isInteger(p.version) && p.value !== null && Number.isFinite(p.value))
    .sort((a, b) => a.version - b.version)
    .slice(-30)
    .map((p) => ({ label: `v${p.version}`, value: p.value! }));
  const own = m.challenger.metrics[m.primaryMetric]?.value ?? null;
  if (own !== null && Number.isFinite(own)) points.push({ label: "this PR", value: own });
  if (points.length < 2) return null;
  const label = mermaidLabel(metricDirection(m.primaryMetric)?.label ?? m.primaryMetric);
  const direction = metricDirection(m.primaryMetric);
  const chart = [
    "```mermaid",
    "xychart-beta",
    `  title "${label} by version"`,
    `  x-axis [${points.map((p) => `"${p.label}"`).join(", ")}]`,
    `  y-axis "${label}"`,
    `  line [${points.map((p) => chartNumber(p.value)).join(", ")}]`,
    "```",
  ].join("\n");
  const text = points.map((p) => `${p.label} ${formatNumber(p.value)}`).join(" → ");
  return `${chart}\n\n${text}${direction ? ` (${direction.higherIsBetter ? "higher" : "lower"} is better)` : ""}`;
}

/** A number mermaid parses: plain decimal, no exponent, six significant digits. */
function chartNumber(v: number): string {
  const r = Number(v.toPrecision(6));
  const text = String(r);
  if (!text.includes("e")) return text;
  const decimals = Math.min(20, Math.max(0, 5 - Math.floor(Math.log10(Math.abs(r)))));
  return r.toFixed(decimals);
}

// ---------------------------------------------------------------------------------------------
// Small pieces.

function table(rows: string[][], align: string[]): string {
  return markdownTable(rows, { align });
}

function signedInterval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatSigned(ci.lower)}, ${formatSigned(ci.upper)}]` : "—";
}

function interval(ci: { lower: number; upper: number } | null): string {
  return ci ? `[${formatNumber(ci.lower, 3)}, ${formatNumber(ci.upper, 3)}]` : "—";
}

function change(own: number | null, theirs: number | null): string {
  return own === null || theirs === null ? "—" : formatSigned(own - theirs);
}

function formatDate(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return "—";
  return new Date(ms).toISOString().slice(0, 10);
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}
