/**
 * What one finished workflow run means for a head commit: the combined report of the models
 * whose artifacts passed every check, what was refused and why, and the `modelgate` check's
 * conclusion. Pure: the handler gathers the inputs and carries out the plans built from this.
 */
import type { Problem } from "../src/errors.js";
import { formatLocation } from "../src/errors.js";
import type { Registry } from "../src/registry/registry-document.js";
import { renderSummaryLine } from "../src/report/render-markdown.js";
import type { ModelReport, Report } from "../src/report/report-schema.js";
import type { ArtifactProblem, RunModel, RunReports } from "./load-run-reports.js";
import { verifyChampion } from "./verify-champion.js";

/** The run as the webhook described it (GitHub's fields, trusted: the delivery was signed). */
export interface RunInfo {
  id: number;
  /** The run's attempt: 1, then 2, 3, ... for each re-run (same id). Default 1. */
  attempt?: number;
  headSha: string;
  /** `success`, `failure`, `cancelled`, ...; null if the run has no conclusion. */
  conclusion: string | null;
}

/** One line of a PR's history of runs, kept in the sticky comment. */
export interface HistoryEntry {
  sha: string;
  run: number;
  model: string | null;
  metric: string | null;
  value: number | null;
  verdict: "passed" | "failed" | "refused" | "no report" | "cancelled";
}

export type CheckConclusion = "success" | "failure" | "neutral";

export interface RunAssessment {
  run: RunInfo;
  /** The accepted models as one report, or null when none was accepted. */
  report: Report | null;
  /** The accepted models with their model files (for promotion). */
  models: RunModel[];
  conclusion: CheckConclusion;
  /** One plain line (no Markdown meaning) for the check's title. */
  headline: string;
  /** Artifacts refused and why (app-written text; still escaped when rendered). */
  problems: ArtifactProblem[];
  /** Configuration problems of modelgate.yml. */
  configProblems: Problem[];
  /** Notes about accepted models: a champion that moved since the run. */
  stale: { model: string; message: string }[];
  /** Why there is no report at all, when there is none. */
  noReport: string | null;
  history: HistoryEntry[];
}

/** Run conclusions that mean "did not finish" rather than "broke". */
const UNFINISHED = new Set(["cancelled", "skipped", "stale", "neutral"]);

/** The sum of several single-model reports, in model order. */
export function combineReports(models: readonly RunModel[]): Report | null {
  const first = models[0];
  if (!first) return null;
  const all: ModelReport[] = models.flatMap((m) => m.report.models);
  return { ...first.report, passed: all.every((m) => m.passed), models: all };
}

/** A model whose report claims to pass must have a gate that passed with no failing rule. */
function consistent(m: ModelReport): boolean {
  return !m.passed || (m.gate.passed && m.gate.checks.every((c) => c.status !== "fail"));
}

/**
 * Judges a run from its downloaded reports and the registry on the default branch: forged
 * champions and inconsistent verdicts are refused, a moved champion is noted, and the check
 * fails unless every report artifact was accepted and passed.
 */
export function assessRun(run: RunInfo, reports: RunReports, registry: Registry): RunAssessment {
  const problems: ArtifactProblem[] = [...reports.problems];
  const accepted: RunModel[] = [];
  const stale: RunAssessment["stale"] = [];
  for (const m of reports.models) {
    const model = m.report.models[0]!;
    if (!consistent(model)) {
      problems.push({
        artifact: `modelgate-report-${m.model}`,
        message: "report.json says the model passed, but its gate did not",
      });
      continue;
    }
    const champion = verifyChampion(registry, model);
    if (champion.status === "forged") {
      problems.push({ artifact: `modelgate-report-${m.model}`, message: champion.message });
      continue;
    }
    if (champion.status === "stale") stale.push({ model: m.model, message: champion.message });
    accepted.push(m);
  }
  const report = combineReports(accepted);
  const history: HistoryEntry[] = accepted.map((m) => {
    const model = m.report.models[0]!;
    return {
      sha: run.headSha,
      run: run.id,
      model: m.model,
      metric: model.primaryMetric,
      value: model.challenger.metrics[model.primaryMetric]?.value ?? null,
      verdict: model.passed ? "passed" : "failed",
    };
  });
  if (problems.length > 0)
    history.push({
      sha: run.headSha,
      run: run.id,
      model: null,
      metric: null,
      value: null,
      verdict: "refused",
    });

  let noReport: string | null = null;
  let conclusion: CheckConclusion;
  let headline: string;
  if (reports.reportArtifacts === 0) {
    const unfinished = run.conclusion !== null && UNFINISHED.has(run.conclusion);
    noReport = unfinished
      ? `The workflow run ended as \`${run.conclusion}\` before it produced a report.`
      : run.conclusion === "success"
        ? "The workflow run succeeded but uploaded no `modelgate-report-<model>` artifact. Check that the workflow runs the modelgate Action."
        : `The workflow run ended as \`${run.conclusion ?? "unknown"}\` without uploading a \`modelgate-report-<model>\` artifact. See the run's log.`;
    conclusion = unfinished ? "neutral" : "failure";
    headline = unfinished
      ? `workflow run ${run.conclusion}: no report`
      : "no report: the run uploaded no report artifact";
    history.push({
      sha: run.headSha,
      run: run.id,
      model: null,
      metric: null,
      value: null,
      verdict: unfinished ? "cancelled" : "no report",
    });
  } else if (problems.length > 0) {
    conclusion = "failure";
    headline = `${problems.length} report ${problems.length === 1 ? "artifact was" : "artifacts were"} refused`;
  } else {
    conclusion = report?.passed ? "success" : "failure";
    headline = report ? renderSummaryLine(report) : "no report";
  }
  return {
    run,
    report,
    models: accepted,
    conclusion,
    headline,
    problems,
    configProblems: [],
    stale,
    noReport,
    history,
  };
}

/** The assessment when modelgate.yml on the default branch cannot be read. */
export function assessConfigError(run: RunInfo, problems: Problem[]): RunAssessment {
  return {
    run,
    report: null,
    models: [],
    conclusion: "failure",
    headline: "modelgate.yml on the default branch is invalid",
    problems: [],
    configProblems: problems,
    stale: [],
    noReport: null,
    history: [],
  };
}

/** `file:line:column: message (hint)` for a configuration problem, as plain text. */
export function describeProblem(p: Problem): string {
  return `${formatLocation(p)}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}
