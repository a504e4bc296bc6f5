/**
 * The sticky comment's body: the report rendered by the engine from validated report.json
 * (never Markdown a PR's run wrote), what was refused and why, and a short history of this
 * PR's earlier runs. The history travels inside the comment itself, as a hidden block the app
 * reads back only from its own comment, so the app keeps no state. The body depends only on
 * its inputs: a repeated delivery renders the same bytes, and the comment is left alone.
 */
import { z } from "zod";
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import { formatNumber } from "../src/report/format-number.js";
import { renderMarkdown, type MetricHistory } from "../src/report/render-markdown.js";
import type { Registry } from "../src/registry/registry-document.js";
import type { Report } from "../src/report/report-schema.js";
import { MODEL_NAME_PATTERN } from "../src/project/schemas.js";
import { describeProblem, type HistoryEntry, type RunAssessment } from "./assess-run.js";
import { metricHistory } from "../src/run/report-files.js";

/** Marks the app's sticky comment; only the app's own comments are searched for it. */
export const COMMENT_MARKER = "<!-- modelgate:sticky-comment -->";

/** Runs of a PR the history keeps (the current one included). */
export const HISTORY_RUNS = 10;

/** GitHub refuses comments over 65,536 characters; leave room for what the app adds. */
const COMMENT_LIMIT = 65_000;
const REPORT_BUDGET = 55_000;

const HISTORY_OPEN = "<!-- modelgate:history ";
const HISTORY_CLOSE = " -->";

const historyEntrySchema = z.strictObject({
  sha: z.string().regex(/^[0-9a-f]{7,64}$/),
  run: z.number().int().min(1),
  model: z.string().regex(MODEL_NAME_PATTERN).nullable(),
  metric: z.string().max(200).nullable(),
  value: z.number().nullable(),
  verdict: z.enum(["passed", "failed", "refused", "no report", "cancelled"]),
});
const historySchema = z.array(historyEntrySchema).max(HISTORY_RUNS * 101);

/** The history block of an earlier body of the app's own comment; empty when absent or unreadable. */
export function readHistory(body: string | null): HistoryEntry[] {
  if (body === null) return [];
  const start = body.lastIndexOf(HISTORY_OPEN);
  if (start < 0) return [];
  const end = body.indexOf(HISTORY_CLOSE, start + HISTORY_OPEN.length);
  if (end < 0) return [];
  try {
    const json = Buffer.from(body.slice(start + HISTORY_OPEN.length, end), "base64url").toString("utf8");
    const parsed = historySchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** Earlier entries with this run's replacing any it had before, trimmed to the last HISTORY_RUNS runs. */
export function mergeHistory(
  earlier: readonly HistoryEntry[],
  current: readonly HistoryEntry[],
): HistoryEntry[] {
  const runs = new Set(current.map((e) => e.run));
  const merged = [...earlier.filter((e) => !runs.has(e.run)), ...current];
  const order: number[] = [];
  for (const e of merged) if (!order.includes(e.run)) order.push(e.run);
  const kept = new Set(order.slice(-HISTORY_RUNS));
  return merged.filter((e) => kept.has(e.run));
}

function historyBlock(entries: readonly HistoryEntry[]): string {
  // base64url: the JSON holds strings from reports, and "-->" must never end the comment early.
  return `${HISTORY_OPEN}${Buffer.from(JSON.stringify(entries), "utf8").toString("base64url")}${HISTORY_CLOSE}`;
}

const VERDICT: Record<HistoryEntry["verdict"], string> = {
  passed: "✅ passed",
  failed: "❌ failed",
  refused: "⛔ report refused",
  "no report": "⚠️ no report",
  cancelled: "⚪ cancelled",
};

function historyTable(entries: readonly HistoryEntry[], currentRun: number): string {
  const earlier = entries.filter((e) => e.run !== currentRun).reverse();
  if (earlier.length === 0) return "";
  const runs = new Set(earlier.map((e) => e.run)).size;
  const rows = earlier.map(
    (e) =>
      `| ${codeSpan(e.sha.slice(0, 7), { inTable: true })} | ${e.run} | ${e.model === null ? "—" : codeSpan(e.model, { inTable: true })} | ${
        e.metric === null ? "—" : `${codeSpan(e.metric, { inTable: true, max: 40 })} ${formatNumber(e.value)}`
      } | ${VERDICT[e.verdict]} |`,
  );
  return [
    "<details>",
    `<summary>Earlier runs of this pull request (${runs})</summary>`,
    "",
    "| Commit | Run | Model | Primary metric | Verdict |",
    "| :----- | --: | :---- | :------------- | :------ |",
    ...rows,
    "",
    "</details>",
  ].join("\n");
}

/** The primary metric of each registry version of the report's models, for the renderer's trend. */
export function registryMetricHistory(registry: Registry, report: Report | null): MetricHistory {
  return report ? metricHistory(registry, report) : {};
}

/** The parts of the body that explain refusals, stale champions and missing reports. */
export function renderFindings(a: RunAssessment): string {
  const parts: string[] = [];
  if (a.configProblems.length > 0) {
    parts.push(
      "## ❌ modelgate: the configuration on the default branch is invalid",
      "",
      "The app reads the `app:` section of `modelgate.yml` from the default branch. Fix these and re-run the workflow:",
      "",
      ...a.configProblems.slice(0, 20).map((p) => `- ${escapeText(describeProblem(p), 600)}`),
    );
  }
  if (a.noReport !== null) {
    parts.push(
      `## ${a.conclusion === "neutral" ? "⚪" : "⚠️"} modelgate: no report for ${codeSpan(a.run.headSha.slice(0, 12))}`,
      "",
      a.noReport,
    );
  }
  if (a.problems.length > 0) {
    if (parts.length > 0) parts.push("");
    parts.push(
      `### ⛔ ${a.problems.length === 1 ? "A report artifact was" : `${a.problems.length} report artifacts were`} refused`,
      "",
      "Artifacts come from the pull request's run, so the app checks them before use. These failed the checks and count as a failed gate:",
      "",
      ...a.problems
        .slice(0, 50)
        .map((p) => `- ${codeSpan(p.artifact, { max: 90 })}: ${escapeText(p.message, 400)}`),
    );
  }
  if (a.stale.length > 0) {
    if (parts.length > 0) parts.push("");
    parts.push(
      "> [!NOTE]",
      "> The production model changed on the default branch after this run. The comparison below is out of date;",
      "> merge the default branch into this pull request to compare against the current champion. Promotion waits for that.",
      ...a.stale.map((s) => `> - ${codeSpan(s.model)}: ${escapeText(s.message, 300)}`),
    );
  }
  return parts.join("\n");
}

/**
 * The sticky comment for `assessment`, given the body of the app's earlier comment on the PR
 * (null when there is none). Returns the body and the merged history.
 */
export function planComment(
  assessment: RunAssessment,
  previousBody: string | null,
  registry: Registry,
): { body: string; history: HistoryEntry[] } {
  const history = mergeHistory(readHistory(previousBody), assessment.history);
  const findings = renderFindings(assessment);
  const table = historyTable(history, assessment.run.id);
  const block = historyBlock(history);
  const fixed = COMMENT_MARKER.length + findings.length + table.length + block.length + 16;
  const sections = [COMMENT_MARKER];
  if (assessment.report)
    sections.push(
      renderMarkdown(assessment.report, {
        history: registryMetricHistory(registry, assessment.report),
        maxLength: Math.max(2000, Math.min(REPORT_BUDGET, COMMENT_LIMIT - fixed)),
      }),
    );
  if (findings) sections.push(findings);
  if (table) sections.push(table);
  sections.push(block);
  return { body: sections.join("\n\n") + "\n", history };
}
