/**
 * Promotion labels on an open pull request:
 * - `labeled` with `<prefix><alias>`: ask GitHub for the sender's role now, judge the newest
 *   report for the head commit against the registry now, and answer with check run
 *   `modelgate/promote`; a refusal removes the label and says why in the promotion comment.
 * - `unlabeled`: the approval is gone; the promote check says merging will not promote.
 * - `synchronize`: new commits void an approval given for the old head: the label is removed,
 *   the check on the new head is reset and the comment says to label again.
 */
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import { aliasOfLabel } from "./app-settings.js";
import { assessRun, describeProblem, type RunAssessment } from "./assess-run.js";
import { findOwnCheckRun, upsertCheckRun } from "./check-runs.js";
import {
  decidePromotion,
  planPromoteCheck,
  planPromoteReset,
  type PromotionDecision,
} from "./decide-promotion.js";
import type { AppIdentity, AppRuntime, GitHubClient, RepoRef } from "./github-client.js";
import { botLogin, statusOf } from "./github-client.js";
import { readDefaultBranch, type DefaultBranchState } from "./handle-workflow-run.js";
import { limitsFor } from "./artifact-limits.js";
import type { ArtifactLimits } from "./artifact-limits.js";
import { loadRunReports } from "./load-run-reports.js";
import { upsertMarkedComment } from "./marked-comment.js";
import { GATE_CHECK, runIdOfCheck } from "./plan-check.js";
import { fetchRole } from "./repository-role.js";

/** Marks the app's comment about promotion on a PR (approval, refusal, result). */
export const PROMOTION_MARKER = "<!-- modelgate:promotion -->";

export interface PullRequestLabelEvent {
  repo: RepoRef;
  defaultBranch: string;
  action: "labeled" | "unlabeled" | "synchronize";
  number: number;
  state: string;
  headSha: string;
  labels: string[];
  /** The label added or removed (labeled/unlabeled). */
  label: string | null;
  sender: string;
  senderType: string;
}

export interface LabelOutcome {
  handled: boolean;
  decision?: PromotionDecision;
  labelRemoved?: boolean;
}

/** The newest report for `headSha`: the run the app's `modelgate` check names, judged against `state`. */
export async function newestAssessment(
  client: GitHubClient,
  repo: RepoRef,
  identity: AppIdentity,
  headSha: string,
  state: DefaultBranchState,
  limits: ArtifactLimits,
): Promise<RunAssessment | null> {
  const check = await findOwnCheckRun(client, repo, identity, GATE_CHECK, headSha);
  const runId = runIdOfCheck(check?.externalId ?? null);
  if (runId === null) return null;
  const reports = await loadRunReports(
    client,
    repo,
    runId,
    headSha,
    limitsFor(limits, state.settings?.config),
  );
  return assessRun({ id: runId, headSha, conclusion: null }, reports, state.registry);
}

/** Writes the promotion comment: a heading and a paragraph of Markdown the app composed. */
export function promotionComment(heading: string, paragraph: string): string {
  return `${PROMOTION_MARKER}\n### ${heading}\n\n${paragraph}\n`;
}

async function removeLabel(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  name: string,
): Promise<boolean> {
  try {
    await client.rest.issues.removeLabel({ ...repo, issue_number: number, name });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw error;
  }
}

/** Handles labeled, unlabeled and synchronize on a pull request. */
export async function handlePromotionLabel(
  client: GitHubClient,
  runtime: AppRuntime,
  event: PullRequestLabelEvent,
): Promise<LabelOutcome> {
  const { identity, limits } = runtime;
  const { repo } = event;
  if (event.state !== "open") return { handled: false };
  const state = await readDefaultBranch(client, repo, event.defaultBranch, runtime.snapshots);
  const settings = state.settings;
  const prefix = settings?.config.labelPrefix ?? "promote:";
  const isPromotion = (label: string) => label.startsWith(prefix);
  const comment = (heading: string, paragraph: string) =>
    upsertMarkedComment(client, repo, event.number, identity, PROMOTION_MARKER, () =>
      promotionComment(heading, paragraph),
    );

  if (event.action === "synchronize") {
    const labels = event.labels.filter(isPromotion);
    if (labels.length === 0) return { handled: false };
    for (const label of labels) await removeLabel(client, repo, event.number, label);
    const why = `New commits were pushed (head ${codeSpan(event.headSha.slice(0, 7))}); an approval covers the commit it was given for.`;
    await upsertCheckRun(client, repo, identity, planPromoteReset(event.headSha, why));
    await comment(
      "🔁 Promotion reset by new commits",
      `${why} The label ${labels.map((l) => codeSpan(l, { max: 80 })).join(", ")} was removed. Add it again once the \`modelgate\` check passes for the new head.`,
    );
    return { handled: true, labelRemoved: true };
  }

  const label = event.label;
  if (label === null || !isPromotion(label)) return { handled: false };
  // The app's own label removals (a refusal, a reset) come back as `unlabeled`: already answered.
  if (event.senderType === "Bot" && event.sender === botLogin(identity)) return { handled: false };
  if (event.action === "unlabeled") {
    if (event.labels.some(isPromotion)) return { handled: false };
    await upsertCheckRun(
      client,
      repo,
      identity,
      planPromoteReset(event.headSha, `The label ${codeSpan(label, { max: 80 })} was removed.`),
    );
    return { handled: true };
  }
  let decision: PromotionDecision;
  let runId: number | null = null;
  if (settings === null || state.registryProblems.length > 0) {
    const problems = [...state.settingsProblems, ...state.registryProblems];
    decision = {
      allowed: false,
      title: "configuration invalid",
      reason: `The configuration on the default branch cannot be read, so nothing can be promoted:\n\n${problems
        .slice(0, 10)
        .map((p) => `- ${escapeText(describeProblem(p), 600)}`)
        .join("\n")}`,
    };
  } else {
    const alias = aliasOfLabel(settings.config, label) ?? "";
    const [role, assessment] = await Promise.all([
      fetchRole(client, repo, event.sender),
      newestAssessment(client, repo, identity, event.headSha, state, limits),
    ]);
    runId = assessment?.run.id ?? null;
    decision = decidePromotion({
      label,
      alias,
      sender: event.sender,
      role,
      config: settings.config,
      otherPromotionLabels: event.labels.filter((l) => l !== label && isPromotion(l)),
      assessment,
      headSha: event.headSha,
    });
  }
  const alias = settings ? (aliasOfLabel(settings.config, label) ?? "") : "";
  await upsertCheckRun(client, repo, identity, planPromoteCheck(decision, alias, event.headSha, runId));
  if (decision.allowed) {
    await comment(`✅ Promotion to ${codeSpan(alias)} approved`, decision.reason);
    return { handled: true, decision };
  }
  const labelRemoved = await removeLabel(client, repo, event.number, label);
  await comment(
    `⛔ Promotion refused: ${escapeText(decision.title, 100)}`,
    `${decision.reason}\n\nThe label ${codeSpan(label, { max: 80 })} was removed.`,
  );
  return { handled: true, decision, labelRemoved };
}
