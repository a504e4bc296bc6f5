/**
 * The reconciliation pass (issue 28): GitHub does not redeliver a webhook that a replica accepted
 * and then died handling, so the app looks for work left undone and finishes it, idempotently,
 * through the same handlers a delivery would reach:
 *
 * 1. each open PR whose head has a completed run of the watched workflow, but whose sticky comment
 *    or `modelgate` check does not show the newest such run (or that has more than one sticky
 *    comment), is handled as that run's `workflow_run.completed`;
 * 2. each recently closed, merged PR with a promotion label is handled as its `closed` event:
 *    an approved promotion that is missing from the registry, or whose deployment or promotion
 *    comment is missing, is completed; a finished one changes nothing.
 *
 * It runs at start-up and on a schedule (server.ts) and on `/modelgate refresh`.
 */
import { workflowPathOf } from "./app-settings.js";
import type { AppRuntime, GitHubClient, RepoRef } from "./github-client.js";
import { handleMerge } from "./handle-merge.js";
import { handleWorkflowRun, readDefaultBranch } from "./handle-workflow-run.js";
import { GATE_CHECK } from "./plan-check.js";
import { findOwnCheckRun } from "./check-runs.js";
import { compareVersions, readCheckExternalId, type ReportVersion } from "./report-version.js";
import { keeperOf, listOwnStickies } from "./sticky-comment.js";

/** How far the pass looks. */
export interface ReconcileLimits {
  /** Open PRs examined (default 100, the first page). */
  openPulls?: number;
  /** Most recently updated closed PRs examined for promotions (default 30). */
  closedPulls?: number;
}

/** What the pass found and finished. */
export interface ReconcileOutcome {
  /** Open PRs whose comment or check was brought up to date: PR number and run. */
  reports: Array<{ pr: number; runId: number; attempt: number }>;
  /** Merged PRs whose promotion was (re)applied, and what the merge handler answered. */
  promotions: Array<{ pr: number; status: string }>;
}

interface RunRow {
  id: number;
  run_attempt?: number;
  head_sha: string;
  head_branch: string | null;
  path: string;
  conclusion: string | null;
  head_repository?: { owner?: { login?: string } | null } | null;
}

/** Reconciles one repository of an installation. */
export async function reconcileRepository(
  client: GitHubClient,
  runtime: AppRuntime,
  repo: RepoRef,
  defaultBranch: string,
  limits: ReconcileLimits = {},
): Promise<ReconcileOutcome> {
  const outcome: ReconcileOutcome = { reports: [], promotions: [] };
  const state = await readDefaultBranch(client, repo, defaultBranch, runtime.snapshots);
  const watched = workflowPathOf(state.settings?.config.workflow ?? ".github/workflows/modelgate.yml");
  const prefix = state.settings?.config.labelPrefix ?? "promote:";

  const { data: open } = await client.rest.pulls.list({
    ...repo,
    state: "open",
    per_page: Math.min(limits.openPulls ?? 100, 100),
  });
  for (const pr of open) {
    const { data } = await client.rest.actions.listWorkflowRunsForRepo({
      ...repo,
      head_sha: pr.head.sha,
      status: "completed",
      per_page: 100,
    });
    let newest: (RunRow & { version: ReportVersion }) | undefined;
    for (const run of data.workflow_runs as RunRow[]) {
      if (workflowPathOf(run.path) !== watched) continue;
      const version = { runId: run.id, attempt: run.run_attempt ?? 1, headSha: run.head_sha };
      if (!newest || compareVersions(version, newest.version) > 0) newest = { ...run, version };
    }
    if (!newest) continue;
    const stickies = await listOwnStickies(client, repo, pr.number, runtime.identity);
    const kept = keeperOf(stickies, pr.head.sha)?.version;
    const check = await findOwnCheckRun(client, repo, runtime.identity, GATE_CHECK, pr.head.sha);
    const checked = readCheckExternalId(check?.externalId ?? null);
    const upToDate =
      stickies.length === 1 &&
      kept !== null &&
      kept !== undefined &&
      compareVersions(kept, newest.version) === 0 &&
      kept.headSha === pr.head.sha &&
      checked !== null &&
      compareVersions({ ...checked, headSha: "" }, { ...newest.version, headSha: "" }) === 0;
    if (upToDate) continue;
    await handleWorkflowRun(client, runtime, {
      repo,
      defaultBranch,
      run: {
        id: newest.id,
        attempt: newest.version.attempt,
        headSha: newest.head_sha,
        conclusion: newest.conclusion,
        path: newest.path,
      },
      head: {
        headBranch: newest.head_branch,
        headOwner: newest.head_repository?.owner?.login ?? null,
        listed: [pr.number],
      },
    });
    outcome.reports.push({ pr: pr.number, runId: newest.id, attempt: newest.version.attempt });
  }

  const { data: closed } = await client.rest.pulls.list({
    ...repo,
    state: "closed",
    sort: "updated",
    direction: "desc",
    per_page: Math.min(limits.closedPulls ?? 30, 100),
  });
  for (const pr of closed) {
    const labels = pr.labels.map((l) => l.name);
    if (pr.merged_at === null || !labels.some((l) => l.startsWith(prefix))) continue;
    // The listing lacks who merged (the registry records it).
    const { data: full } = await client.rest.pulls.get({ ...repo, pull_number: pr.number });
    const merged = await handleMerge(client, runtime, {
      repo,
      defaultBranch,
      number: pr.number,
      merged: true,
      headSha: pr.head.sha,
      mergeCommitSha: pr.merge_commit_sha,
      mergedAt: pr.merged_at,
      mergedBy: full.merged_by?.login ?? full.user.login,
      labels,
    });
    outcome.promotions.push({ pr: pr.number, status: merged.status });
  }
  return outcome;
}
