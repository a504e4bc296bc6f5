/**
 * `pull_request.closed` with `merged` and a promotion label:
 * 1. the app's `modelgate/promote` check on the merged head must have approved this alias;
 * 2. the approved run's artifacts are downloaded and checked again (they are still untrusted);
 * 3. one registry commit on the default branch registers each model and moves the alias,
 *    idempotent by (model, PR head commit), retried if the branch moves meanwhile;
 * 4. a deployment of the merge commit to the alias's environment, with a success status;
 * 5. the promotion comment shows the new versions, or says exactly what stopped them.
 * A repeated delivery finds everything done and changes nothing.
 */
import { limitsFor } from "./artifact-limits.js";
import { InputError } from "../src/errors.js";
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import type { Registry } from "../src/registry/registry-document.js";
import { promote, versionData } from "../src/registry/registry-transitions.js";
import { aliasOfLabel } from "./app-settings.js";
import { assessRun } from "./assess-run.js";
import { findOwnCheckRun } from "./check-runs.js";
import { commitRegistryChange, composeChanges, type RegistryCommitResult } from "./commit-registry-change.js";
import { approvalOfCheck, PROMOTE_CHECK } from "./decide-promotion.js";
import { deployVersion } from "./deploy-version.js";
import type { AppRuntime, GitHubClient, RepoRef } from "./github-client.js";
import { PROMOTION_MARKER, promotionComment } from "./handle-promotion-label.js";
import { readDefaultBranch } from "./handle-workflow-run.js";
import { loadRunReports, type RunModel } from "./load-run-reports.js";
import { upsertMarkedComment } from "./marked-comment.js";

export interface MergeEvent {
  repo: RepoRef;
  defaultBranch: string;
  number: number;
  merged: boolean;
  headSha: string;
  mergeCommitSha: string | null;
  /** When GitHub merged it: the registry's timestamp, the same on every delivery. */
  mergedAt: string | null;
  mergedBy: string;
  labels: string[];
}

export type MergeOutcome =
  | { status: "ignored" }
  | { status: "not-promoted"; reason: string }
  | {
      status: "promoted";
      alias: string;
      versions: { model: string; version: number }[];
      commit: RegistryCommitResult;
      deploymentId: number;
    }
  | { status: "refused"; commit: RegistryCommitResult };

/** The version each model holds for `headSha` in the registry after the change. */
function versionsFor(
  registry: Registry,
  models: RunModel[],
  headSha: string,
): { model: string; version: number }[] {
  return models.map((m) => ({
    model: m.model,
    version: registry.models[m.model]?.versions.find((v) => v.headSha === headSha)?.version ?? 0,
  }));
}

/** What to allow when the default branch refused the app's commit. */
export function explainRefusal(branch: string, httpStatus: number, message: string): string {
  const said = `GitHub answered ${httpStatus}: ${escapeText(message, 300)}.`;
  return [
    `The registry commit to ${codeSpan(branch)} was refused. ${said}`,
    "",
    `The app writes the registry as one commit on ${codeSpan(branch)} through the Git data API. To let it:`,
    "",
    `- in the branch protection rule or ruleset for ${codeSpan(branch)}, add the modelgate app to the actors allowed to bypass it ("Allow specified actors to bypass required pull requests", or the ruleset's bypass list);`,
    "- make sure the app's installation has **Contents: read and write** permission.",
    "",
    "Then redeliver this pull request's `closed` webhook from the app's settings (Advanced → Recent deliveries); the promotion is idempotent.",
  ].join("\n");
}

/** Handles a closed pull request; only a merged one with a promotion label does anything. */
export async function handleMerge(
  client: GitHubClient,
  runtime: AppRuntime,
  event: MergeEvent,
): Promise<MergeOutcome> {
  const { identity, limits } = runtime;
  const { repo } = event;
  if (!event.merged || event.mergeCommitSha === null) return { status: "ignored" };
  const state = await readDefaultBranch(client, repo, event.defaultBranch, runtime.snapshots);
  const prefix = state.settings?.config.labelPrefix ?? "promote:";
  const labels = event.labels.filter((l) => l.startsWith(prefix));
  if (labels.length === 0) return { status: "ignored" };
  const comment = (heading: string, paragraph: string) =>
    upsertMarkedComment(client, repo, event.number, identity, PROMOTION_MARKER, () =>
      promotionComment(heading, paragraph),
    );
  const notPromoted = async (reason: string): Promise<MergeOutcome> => {
    await comment("⚠️ Merged without promotion", reason);
    return { status: "not-promoted", reason };
  };

  const settings = state.settings;
  if (settings === null || state.registryProblems.length > 0)
    return notPromoted(
      "The configuration or registry on the default branch cannot be read; see the `modelgate` check.",
    );
  if (labels.length > 1)
    return notPromoted(
      `The pull request carries ${labels.length} promotion labels; one alias per pull request is promoted.`,
    );
  const alias = aliasOfLabel(settings.config, labels[0]!) ?? "";
  const check = await findOwnCheckRun(client, repo, identity, PROMOTE_CHECK, event.headSha);
  const approval = check?.conclusion === "success" ? approvalOfCheck(check.externalId) : null;
  if (approval === null || approval.alias !== alias)
    return notPromoted(
      `The \`${PROMOTE_CHECK}\` check did not approve ${codeSpan(alias)} for the merged head ${codeSpan(event.headSha.slice(0, 7))}. Nothing was registered; open a new pull request to promote.`,
    );

  // The artifacts are downloaded and checked again: the approval names a run, not its files.
  const reports = await loadRunReports(
    client,
    repo,
    approval.runId,
    event.headSha,
    limitsFor(limits, settings.config),
  );
  const assessment = assessRun(
    { id: approval.runId, headSha: event.headSha, conclusion: null },
    reports,
    state.registry,
  );
  if (assessment.problems.length > 0 || assessment.models.length === 0 || !assessment.report?.passed)
    return notPromoted(
      `The approved run's report for ${codeSpan(event.headSha.slice(0, 7))} no longer passes the app's checks (${escapeText(assessment.headline, 200)}). Nothing was registered.`,
    );

  const models = assessment.models;
  const names = models.map((m) => m.model).join(", ");
  const at = event.mergedAt ?? new Date().toISOString();
  let commit: RegistryCommitResult;
  try {
    commit = await commitRegistryChange(client, repo, {
      branch: event.defaultBranch,
      registryDir: settings.registryDir,
      message: `modelgate: promote ${names} to ${alias} (#${event.number})\n\nMerge commit ${event.mergeCommitSha}, head ${event.headSha}, approved run ${approval.runId}.`,
      transition: (registry) =>
        composeChanges(
          registry,
          models.map((m) => (r: Registry) => {
            const model = m.report.models[0]!;
            return promote(r, {
              model: m.model,
              alias,
              modelFile: m.modelFile,
              ...(m.onnxBytes ? { onnxBytes: m.onnxBytes } : {}),
              headSha: event.headSha,
              pr: event.number,
              mergeCommit: event.mergeCommitSha,
              specHash: model.specHash,
              dataHash: model.data.sha256,
              data: versionData(model.data),
              metrics: Object.fromEntries(
                Object.entries(model.challenger.metrics).map(([k, v]) => [k, v.value]),
              ),
              actor: event.mergedBy,
              at,
              registryDir: settings.registryDir,
              reason: `merged with label ${labels[0]}`,
            });
          }),
        ),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return notPromoted(
      `The registry refused the change: ${error.problems.map((p) => escapeText(p.message, 300)).join("; ")}`,
    );
  }
  if (commit.status === "refused") {
    await comment(
      "⛔ Promotion could not be committed",
      explainRefusal(event.defaultBranch, commit.httpStatus, commit.message),
    );
    return { status: "refused", commit };
  }
  if (commit.status === "conflict")
    return notPromoted(
      `The default branch moved on every one of ${commit.attempts} attempts to commit the registry change. Redeliver this webhook to try again; the promotion is idempotent.`,
    );

  const versions = versionsFor(commit.change.registry, models, event.headSha);
  const deployment = await deployVersion(client, repo, {
    sha: event.mergeCommitSha,
    environment: alias,
    description: `modelgate: ${versions.map((v) => `${v.model} v${v.version}`).join(", ")} to ${alias}`,
    served: settings.config.server !== undefined,
    ...(settings.config.server?.url ? { serverUrl: settings.config.server.url } : {}),
    payload: {
      tool: "modelgate",
      trigger: `pr:${event.number}@${event.headSha}`,
      alias,
      models: versions,
      registryCommit: commit.status === "committed" ? commit.commitSha : null,
      pr: event.number,
    },
  });
  const registryCommit = deployment.payload.registryCommit;
  await comment(
    `🚀 Promoted to ${codeSpan(alias)}`,
    [
      ...versions.map((v) => `- ${codeSpan(v.model)} is now **v${v.version}** under ${codeSpan(alias)}.`),
      "",
      `Registry commit: ${registryCommit ? codeSpan(registryCommit.slice(0, 7)) : "already recorded"} on ${codeSpan(event.defaultBranch)}; deployment ${deployment.id} of the merge commit ${codeSpan(event.mergeCommitSha.slice(0, 7))} to the ${codeSpan(alias)} environment.`,
    ].join("\n"),
  );
  return { status: "promoted", alias, versions, commit, deploymentId: deployment.id };
}
