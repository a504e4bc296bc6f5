/**
 * The PR comment and job summary, rendered from report.json alone.
 *
 * The App renders this from a report.json it downloaded from an untrusted pull request's run,
 * so every string of the report goes through `escape-markdown.ts` on its way out, and the whole
 * stays under GitHub's comment limit by leaving out detail, in a fixed order, rather than
 * failing (see `LEVELS`).
 */
import { cleanText, codeSpan, escapeHtmlForGitHub, escapeText, plainToken } from "./escape-markdown.js";
import { formatNumber, formatPercent } from "./format-number.js";
import type { Report } from "./report-schema.js";
import type { MetricHistory } from "./metric-history.js";
import { changeVerdict } from "./change-verdict.js";
import { SOME_GROUPS, type Level } from "./markdown-format.js";
import { renderModel, headline } from "./markdown-model.js";
import { dataOnlyLine } from "./markdown-data-change.js";
export { changeVerdict, type ChangeVerdict } from "./change-verdict.js";
export type { HistoryPoint, MetricHistory } from "./metric-history.js";

export interface MarkdownOptions {
  history?: MetricHistory;
  /** Characters the result may have; default 65,000 (GitHub refuses comments over 65,536). */
  maxLength?: number;
  /** What the title line calls the report; default "modelgate". */
  title?: string;
}

export const DEFAULT_MAX_LENGTH = 65_000;

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

// Levels of detail, from everything to the headline tables.

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
    const dataOnly = dataOnlyLine(report);
    if (dataOnly) budget.push(dataOnly);
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
  const head = [dataOnlyLine(report), titleLine(report, options), contextLine(report)].filter(
    (s): s is string => s !== "",
  );
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
    "The full report is `report.html`, and the complete data `report.json`, in the run's `modelgate-report-*` artifacts."
  );
}

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

// One model.
