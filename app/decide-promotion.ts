/**
 * Whether a `promote:<alias>` label may stand: the alias is one the repository promotes to, the
 * person who labelled holds the configured role, the PR asks for one promotion only, and the
 * newest report for the current head commit exists, was accepted, passed the gate and compared
 * against the production model that is current now. Pure; the handler asks GitHub for the
 * inputs and carries out the outcome (check run `modelgate/promote`, label removal, comment).
 */
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import type { AppConfig } from "../src/project/schemas.js";
import type { RunAssessment } from "./assess-run.js";
import type { CheckPlan } from "./check-runs.js";
import { mayPromote, type RepoRole } from "./repository-role.js";

export const PROMOTE_CHECK = "modelgate/promote";

export interface PromotionRequest {
  /** The label as applied, e.g. `promote:production`. */
  label: string;
  alias: string;
  sender: string;
  role: RepoRole;
  config: AppConfig;
  /** Other promotion labels the PR carries. */
  otherPromotionLabels: string[];
  /** The newest report for the head commit, judged now; null when there is none. */
  assessment: RunAssessment | null;
  headSha: string;
}

export interface PromotionDecision {
  allowed: boolean;
  /** Plain text for the check's title. */
  title: string;
  /** Markdown (every outside value escaped) for the check's summary and the comment. */
  reason: string;
}

/** Decides a promotion label. */
export function decidePromotion(r: PromotionRequest): PromotionDecision {
  const label = codeSpan(r.label, { max: 80 });
  const who = codeSpan(r.sender, { max: 60 });
  const head = codeSpan(r.headSha.slice(0, 7));
  const refuse = (title: string, reason: string): PromotionDecision => ({ allowed: false, title, reason });
  if (!r.config.aliases.includes(r.alias))
    return refuse(
      "unknown alias",
      `${label} names an alias this repository does not promote to. Use one of: ${r.config.aliases
        .map((a) => codeSpan(`${r.config.labelPrefix}${a}`))
        .join(", ")} (the \`app.aliases\` setting in \`modelgate.yml\`).`,
    );
  if (!mayPromote(r.role, r.config.promoters))
    return refuse(
      "not allowed to promote",
      `${who} has the ${codeSpan(r.role)} role on this repository; promoting needs ${codeSpan(r.config.promoters)} or higher (the \`app.promoters\` setting). Ask a maintainer to add the label.`,
    );
  if (r.otherPromotionLabels.length > 0)
    return refuse(
      "one promotion per pull request",
      `This pull request already carries ${r.otherPromotionLabels.map((l) => codeSpan(l, { max: 80 })).join(", ")}. Promote to one alias per pull request; remove the other label first.`,
    );
  const a = r.assessment;
  if (a === null || a.report === null)
    return refuse(
      "no report for the head commit",
      `There is no accepted modelgate report for the head commit ${head} yet. Wait for the \`modelgate\` check to pass, then add ${label} again.`,
    );
  if (a.conclusion !== "success")
    return refuse(
      "the gate did not pass",
      `The newest report for ${head} did not pass the gate (${escapeText(a.headline, 300)}). A model is promoted only when its gate passes.`,
    );
  if (a.stale.length > 0)
    return refuse(
      "the champion changed since the run",
      `The production model changed on the default branch after the report for ${head} was made, so its comparison is out of date. Merge the default branch into this pull request, wait for the new report, then add ${label} again.`,
    );
  const models = a.report.models.map((m) => codeSpan(m.name)).join(", ");
  return {
    allowed: true,
    title: `approved: ${r.alias}`,
    reason: `${who} asked to promote ${models} to ${codeSpan(r.alias)}. The report for ${head} passed the gate; merging this pull request registers the new version and points ${codeSpan(r.alias)} at it.`,
  };
}

/** The promote check for a decision; its external id lets the merge find the approved run. */
export function planPromoteCheck(
  decision: PromotionDecision,
  alias: string,
  headSha: string,
  runId: number | null,
): CheckPlan {
  return {
    name: PROMOTE_CHECK,
    headSha,
    status: "completed",
    conclusion: decision.allowed ? "success" : "failure",
    externalId: decision.allowed && runId !== null ? `promote:${alias}:run:${runId}` : "refused",
    title: decision.title,
    summary: decision.reason,
  };
}

/** The alias and run a successful promote check approved, from its external id. */
export function approvalOfCheck(externalId: string | null): { alias: string; runId: number } | null {
  const m = /^promote:([a-z0-9][a-z0-9._-]{0,63}):run:(\d{1,15})$/.exec(externalId ?? "");
  return m ? { alias: m[1]!, runId: Number(m[2]) } : null;
}

/** The promote check once its approval no longer holds (label removed, new commits). */
export function planPromoteReset(headSha: string, why: string): CheckPlan {
  return {
    name: PROMOTE_CHECK,
    headSha,
    status: "completed",
    conclusion: "neutral",
    externalId: "reset",
    title: "no promotion requested",
    summary: `${why} Merging this pull request will not promote a model.`,
  };
}
