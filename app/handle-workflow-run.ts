/**
 * `workflow_run.completed` of the watched workflow:
 * 1. read the settings and the registry at the default branch's head (never from the PR);
 * 2. find the open PRs whose head is the run's head commit (forks included);
 * 3. download and check the run's report artifacts, and judge them against the registry;
 * 4. publish the `modelgate` check on the head commit and the sticky comment on each PR, by the
 *    convergence rules (app/README.md): a report never overwrites a newer one.
 */
import { limitsFor } from "./artifact-limits.js";
import type { Registry } from "../src/registry/registry-document.js";
import { emptyRegistry } from "../src/registry/registry-document.js";
import { InputError } from "../src/errors.js";
import { readRegistry } from "../src/model/load-model.js";
import { readAppSettings, workflowPathOf, type AppSettings } from "./app-settings.js";
import { assessConfigError, assessRun, type RunAssessment, type RunInfo } from "./assess-run.js";
import { findPullRequestsForRun, type RunHead } from "./find-pull-requests.js";
import type { AppRuntime, GitHubClient, RepoRef } from "./github-client.js";
import { ARTIFACT_PREFIX, loadRunReports } from "./load-run-reports.js";
import { GATE_CHECK, planGateCheck } from "./plan-check.js";
import { planComment } from "./plan-comment.js";
import { gateCheckNeedsReport, publishGateCheck } from "./gate-check.js";
import type { ListingWait } from "./read-your-write.js";
import type { ReportVersion } from "./report-version.js";
import {
  newerOnAnotherHead,
  publishStickyComment,
  stickyNeedsReport,
  type OwnSticky,
  type StickyOutcome,
} from "./sticky-comment.js";
import { branchHead, contentsSource } from "./repo-files.js";
import { GraphqlPublication } from "./graphql-publication.js";

/** `promise`, with a rejection nobody awaits yet not reported as unhandled (it is awaited later, or dropped). */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** The fields of the `workflow_run` payload the handler reads. */
export interface WorkflowRunEvent {
  repo: RepoRef;
  defaultBranch: string;
  run: RunInfo & { path: string };
  head: Omit<RunHead, "headSha">;
}

export interface WorkflowRunOutcome {
  handled: boolean;
  reason?: string;
  assessment?: RunAssessment;
  pulls: number[];
  comments: StickyOutcome["outcome"][];
}

/** The default branch's head, its settings and registry, read once for one decision. */
export interface DefaultBranchState {
  sha: string;
  settings: AppSettings | null;
  settingsProblems: InputError["problems"];
  registry: Registry;
  registryProblems: InputError["problems"];
}

/**
 * Reads modelgate.yml and registry.json at the default branch's head commit (`head`, when the
 * caller has asked for it already); with `snapshots`, a commit already read is not read again
 * (its content is fixed by its sha).
 */
export async function readDefaultBranch(
  client: GitHubClient,
  repo: RepoRef,
  defaultBranch: string,
  snapshots?: AppRuntime["snapshots"],
  head?: Promise<string>,
): Promise<DefaultBranchState> {
  const sha = await (head ?? branchHead(client, repo, defaultBranch));
  const kept = snapshots?.get(repo, sha) as DefaultBranchState | undefined;
  if (kept) return kept;
  const state = await readSnapshot(client, repo, sha);
  snapshots?.set(repo, sha, state);
  return state;
}

async function readSnapshot(client: GitHubClient, repo: RepoRef, sha: string): Promise<DefaultBranchState> {
  const settings = await readAppSettings(client, repo, sha);
  let registry = emptyRegistry();
  let registryProblems: InputError["problems"] = [];
  if (settings.ok) {
    try {
      registry = await readRegistry(contentsSource(client, repo, sha), settings.settings.registryDir);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      registryProblems = error.problems;
    }
  }
  return {
    sha,
    settings: settings.ok ? settings.settings : null,
    settingsProblems: settings.ok ? [] : settings.problems,
    registry,
    registryProblems,
  };
}

async function hasReportArtifacts(client: GitHubClient, repo: RepoRef, runId: number): Promise<boolean> {
  const { data } = await client.rest.actions.listWorkflowRunArtifacts({
    ...repo,
    run_id: runId,
    per_page: 100,
  });
  return data.artifacts.some((a) => a.name.startsWith(ARTIFACT_PREFIX));
}

/** Handles one completed run; a run of another workflow is ignored. */
export async function handleWorkflowRun(
  client: GitHubClient,
  runtime: AppRuntime,
  event: WorkflowRunEvent,
): Promise<WorkflowRunOutcome> {
  const { identity, limits } = runtime;
  const { repo, run } = event;
  const publication = new GraphqlPublication(client, repo, identity);
  const version: ReportVersion = { runId: run.id, attempt: run.attempt ?? 1, headSha: run.headSha };
  // What is published already decides whether the report is needed at all: a duplicate or an
  // older delivery downloads no artifact. The default branch's head, the commit's check runs and
  // the comments of the PRs the payload names are asked for at once: one GraphQL request.
  // A run whose payload names no PR (a fork's PR, a `schedule` run) has its PRs looked up by head
  // branch in the same request.
  const { known = [], listed, headBranch, headOwner } = event.head;
  const byHead =
    known.length === 0 && listed.length === 0 && headBranch && headOwner
      ? quiet(publication.pullsByHead(headBranch, headOwner, run.headSha))
      : undefined;
  const read = new Map(known.map((number) => [number, quiet(publication.listStickies(number))] as const));
  const checksRead = quiet(publication.listChecks(GATE_CHECK, run.headSha));
  const head = quiet(publication.branchHead(event.defaultBranch));
  const state = await readDefaultBranch(client, repo, event.defaultBranch, runtime.snapshots, head);
  const configProblems = [...state.settingsProblems, ...state.registryProblems];
  const watched = state.settings?.config.workflow ?? ".github/workflows/modelgate.yml";
  const isWatched = workflowPathOf(run.path) === workflowPathOf(watched);
  if (!isWatched && (configProblems.length === 0 || !(await hasReportArtifacts(client, repo, run.id))))
    return { handled: false, reason: "not the watched workflow", pulls: [], comments: [] };

  for (const [number, pull] of (await byHead) ?? []) read.set(number, Promise.resolve(pull));
  const pulls =
    read.size > 0 && listed.length === 0
      ? [...read.keys()].sort((a, b) => a - b)
      : await findPullRequestsForRun(client, repo, { headSha: run.headSha, ...event.head });
  const [checks, seenByPull] = await Promise.all([
    checksRead,
    Promise.all(pulls.map((number) => read.get(number) ?? publication.listStickies(number))),
  ]);
  const stickies = new Map<number, OwnSticky[]>();
  const left: number[] = [];
  for (const [i, number] of pulls.entries()) {
    const { stickies: seen, headSha } = seenByPull[i]!;
    // A late delivery for a head the PR has left writes no comment (the check on its commit still
    // follows the rules).
    if (headSha !== run.headSha && stickyNeedsReport(seen, version) && newerOnAnotherHead(seen, version)) {
      left.push(number);
      continue;
    }
    stickies.set(number, seen);
  }
  const needed =
    gateCheckNeedsReport(checks, version) ||
    [...stickies.values()].some((seen) => stickyNeedsReport(seen, version));
  let assessment: RunAssessment | undefined;
  const assess = async () =>
    (assessment ??=
      configProblems.length > 0
        ? assessConfigError(run, configProblems)
        : assessRun(
            run,
            await loadRunReports(
              client,
              repo,
              run.id,
              run.headSha,
              limitsFor(limits, state.settings?.config),
            ),
            state.registry,
          ));
  if (needed) await assess();

  const wait: ListingWait = runtime.listingWait ?? {};
  // The check and the comments are separate resources, each converging by its own rules, so they
  // are published together; every write is finished before the first failure is thrown.
  const publishCheck = async () => {
    if (!assessment) return;
    const plan = planGateCheck(assessment, state.registry);
    await publishGateCheck(client, repo, publication.checkChannel(), plan, version, wait, checks);
  };
  const publishComment = async (number: number): Promise<StickyOutcome["outcome"]> => {
    if (left.includes(number)) return "superseded";
    const { outcome } = await publishStickyComment(
      client,
      repo,
      number,
      publication.commentChannel(),
      version,
      (previous) => planComment(assessment!, previous, state.registry).body,
      wait,
      stickies.get(number),
    );
    return outcome;
  };
  const [checkDone, ...commentsDone] = await Promise.allSettled([
    publishCheck(),
    ...pulls.map(publishComment),
  ]);
  const failed = [checkDone, ...commentsDone].find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const comments = commentsDone.map((r) => (r as PromiseFulfilledResult<StickyOutcome["outcome"]>).value);
  return { handled: true, ...(assessment ? { assessment } : {}), pulls, comments };
}
