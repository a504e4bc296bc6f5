import type {
  SimArtifact,
  SimCheckRun,
  SimDeployment,
  SimDeploymentStatus,
  SimRepo,
  SimWorkflowRun,
} from "./model.js";
import { renderApp, renderRepo, renderUser } from "./render-core.js";
import type { StateCore } from "./state-core.js";

/** REST representations of check runs, workflow runs, artifacts, deployments and their statuses. */

/** `pull-request-minimal` for the PRs a check run or workflow run lists. */
function minimalPulls(
  core: StateCore,
  repo: SimRepo,
  sha: string,
  numbers?: number[],
): Record<string, unknown>[] {
  const side = (r: SimRepo, ref: string, at: string) => ({
    ref,
    sha: at,
    repo: { id: r.id, url: `${core.apiUrl}/repos/${r.fullName}`, name: r.name },
  });
  const out: Record<string, unknown>[] = [];
  for (const i of repo.issues.values()) {
    const p = i.pull;
    if (!p) continue;
    // Listed: the given PRs, else open PRs whose head is `sha` in this repository (forks never are).
    const listed = numbers
      ? numbers.includes(i.number)
      : i.state === "open" && p.headSha === sha && p.headRepo === repo;
    if (!listed) continue;
    out.push({
      id: i.id,
      number: i.number,
      url: `${core.apiUrl}/repos/${repo.fullName}/pulls/${i.number}`,
      head: side(p.headRepo, p.headRef, p.headSha),
      base: side(repo, p.baseRef, p.baseSha),
    });
  }
  return out;
}

export function renderCheckRun(core: StateCore, repo: SimRepo, run: SimCheckRun): Record<string, unknown> {
  const url = `${core.apiUrl}/repos/${repo.fullName}/check-runs/${run.id}`;
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: run.nodeId,
    external_id: run.externalId,
    url,
    html_url: `${core.serverUrl}/${repo.fullName}/runs/${run.id}`,
    details_url: run.detailsUrl,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      ...run.output,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.checkSuiteId },
    app: run.app ? renderApp(core, run.app) : null,
    // GitHub lists only PRs whose head is in this repository, so fork PRs are missing here too.
    pull_requests: minimalPulls(core, repo, run.headSha),
  };
}

export function renderWorkflowRun(
  core: StateCore,
  repo: SimRepo,
  run: SimWorkflowRun,
): Record<string, unknown> {
  const url = `${core.apiUrl}/repos/${repo.fullName}/actions/runs/${run.id}`;
  const commit = repo.git.commit(run.headSha);
  const sameRepoPulls = run.pullNumbers.filter((n) => repo.issues.get(n)?.pull?.headRepo === repo);
  return {
    id: run.id,
    name: run.name,
    node_id: run.nodeId,
    check_suite_id: run.id + 1,
    check_suite_node_id: core.nodeId("CheckSuite", run.id + 1),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.path,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url,
    html_url: `${core.serverUrl}/${repo.fullName}/actions/runs/${run.id}`,
    // As on GitHub: a run triggered from a fork lists no pull requests.
    pull_requests: minimalPulls(core, repo, run.headSha, sameRepoPulls),
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: renderUser(core, run.actor),
    triggering_actor: renderUser(core, run.actor),
    run_started_at: run.createdAt,
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${core.apiUrl}/repos/${repo.fullName}/check-suites/${run.id + 1}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${url}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${core.apiUrl}/repos/${repo.fullName}/actions/workflows/${run.workflowId}`,
    head_commit: commit
      ? {
          id: run.headSha,
          tree_id: commit.tree,
          message: commit.message,
          timestamp: commit.committer.date,
          author: { name: commit.author.name, email: commit.author.email },
          committer: { name: commit.committer.name, email: commit.committer.email },
        }
      : null,
    repository: renderRepo(core, repo),
    head_repository: renderRepo(core, run.headRepo),
    head_repository_id: run.headRepo.id,
    display_title: run.name,
  };
}

export function renderArtifact(
  core: StateCore,
  repo: SimRepo,
  run: SimWorkflowRun,
  a: SimArtifact,
): Record<string, unknown> {
  const url = `${core.apiUrl}/repos/${repo.fullName}/actions/artifacts/${a.id}`;
  return {
    id: a.id,
    node_id: a.nodeId,
    name: a.name,
    size_in_bytes: a.content.length,
    url,
    archive_download_url: `${url}/zip`,
    expired: false,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    updated_at: a.createdAt,
    digest: a.digest,
    workflow_run: {
      id: run.id,
      repository_id: repo.id,
      head_repository_id: run.headRepo.id,
      head_branch: run.headBranch ?? "",
      head_sha: run.headSha,
    },
  };
}

export function renderDeployment(core: StateCore, repo: SimRepo, d: SimDeployment): Record<string, unknown> {
  const url = `${core.apiUrl}/repos/${repo.fullName}/deployments/${d.id}`;
  return {
    url,
    id: d.id,
    node_id: d.nodeId,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: renderUser(core, d.creator),
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    statuses_url: `${url}/statuses`,
    repository_url: `${core.apiUrl}/repos/${repo.fullName}`,
    transient_environment: d.transient,
    production_environment: d.production,
  };
}

export function renderDeploymentStatus(
  core: StateCore,
  repo: SimRepo,
  d: SimDeployment,
  s: SimDeploymentStatus,
): Record<string, unknown> {
  const deploymentUrl = `${core.apiUrl}/repos/${repo.fullName}/deployments/${d.id}`;
  return {
    url: `${deploymentUrl}/statuses/${s.id}`,
    id: s.id,
    node_id: s.nodeId,
    state: s.state,
    creator: renderUser(core, s.creator),
    description: s.description,
    environment: s.environment,
    target_url: s.targetUrl,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    deployment_url: deploymentUrl,
    repository_url: `${core.apiUrl}/repos/${repo.fullName}`,
    environment_url: s.environmentUrl,
    log_url: s.logUrl,
  };
}
