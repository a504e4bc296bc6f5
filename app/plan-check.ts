/**
 * The `modelgate` check run for a head commit, planned from a run's assessment: the gate's
 * conclusion, a one-line title, and the report rendered by the engine as its summary.
 */
import { renderMarkdown } from "../src/report/render-markdown.js";
import type { Registry } from "../src/registry/registry-document.js";
import type { RunAssessment } from "./assess-run.js";
import type { CheckPlan } from "./check-runs.js";
import { registryMetricHistory, renderFindings } from "./plan-comment.js";
import { checkExternalId, readCheckExternalId } from "./report-version.js";

export const GATE_CHECK = "modelgate";

/** The run a `modelgate` check was written for, from its external id (`run:<id>[:<attempt>]`). */
export function runIdOfCheck(externalId: string | null): number | null {
  return readCheckExternalId(externalId)?.runId ?? null;
}

/** The check for `assessment`. */
export function planGateCheck(assessment: RunAssessment, registry: Registry): CheckPlan {
  const findings = renderFindings(assessment);
  const report = assessment.report
    ? renderMarkdown(assessment.report, {
        history: registryMetricHistory(registry, assessment.report),
        maxLength: Math.max(2000, 60_000 - findings.length),
      })
    : "";
  return {
    name: GATE_CHECK,
    headSha: assessment.run.headSha,
    status: "completed",
    conclusion: assessment.conclusion,
    externalId: checkExternalId({ runId: assessment.run.id, attempt: assessment.run.attempt ?? 1 }),
    title: assessment.headline,
    summary: [findings, report].filter((s) => s !== "").join("\n\n"),
  };
}
