import type { SimApp, SimCheckRun, SimCheckSuite, SimRepo, SimUser } from "./model.js";
import { ApiError, type StateCore } from "./state-core.js";

/** A check run's fields as the REST body names them; GraphQL's `createCheckRun` input is mapped onto it. */
export interface CheckBody {
  name?: string;
  head_sha?: string;
  details_url?: string;
  external_id?: string;
  status?: SimCheckRun["status"];
  conclusion?: string;
  started_at?: string;
  completed_at?: string;
  output?: { title?: string; summary?: string; text?: string };
}

/** Applies a create or update body; a conclusion completes the run, and a completed run needs one. */
export function applyCheckBody(core: StateCore, run: SimCheckRun, body: CheckBody): void {
  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  if (body.status !== undefined) run.status = body.status;
  if (body.output)
    run.output = {
      title: body.output.title ?? null,
      summary: body.output.summary ?? null,
      text: body.output.text ?? null,
    };
  if (body.conclusion !== undefined) {
    run.conclusion = body.conclusion;
    run.status = "completed";
  }
  if (run.status === "completed") {
    if (run.conclusion === null)
      throw new ApiError(422, "Conclusion required if status is completed", [
        { resource: "CheckRun", field: "conclusion", code: "missing_field" },
      ]);
    run.completedAt = body.completed_at ?? run.completedAt ?? core.now();
  }
}

/** The app's check suite on `headSha`, created (and marked written, for list lag) on first use. */
export function checkSuiteFor(
  core: StateCore,
  repo: SimRepo,
  app: SimApp | null,
  headSha: string,
): SimCheckSuite {
  const existing = repo.checkSuites.find((s) => s.headSha === headSha && s.app?.id === app?.id);
  if (existing) return existing;
  const id = core.id();
  const suite: SimCheckSuite = { id, nodeId: core.nodeId("CheckSuite", id), headSha, app };
  repo.checkSuites.push(suite);
  core.markWritten(suite);
  return suite;
}

/**
 * Creates a check run on `body.head_sha` for `app` (null for a workflow token), in the app's suite
 * for that commit; 422 when the commit does not exist. Emits `check_run.created`.
 */
export function createCheckRun(
  core: StateCore,
  repo: SimRepo,
  body: CheckBody & { name: string; head_sha: string },
  app: SimApp | null,
  sender: SimUser,
): SimCheckRun {
  if (!repo.git.commit(body.head_sha))
    throw new ApiError(422, "No commit found for SHA: " + body.head_sha, [
      { resource: "CheckRun", field: "head_sha", code: "invalid" },
    ]);
  const id = core.id();
  const run: SimCheckRun = {
    id,
    nodeId: core.nodeId("CheckRun", id),
    name: body.name,
    headSha: body.head_sha,
    status: "queued",
    conclusion: null,
    startedAt: core.now(),
    completedAt: null,
    externalId: null,
    detailsUrl: null,
    output: { title: null, summary: null, text: null },
    app,
    checkSuiteId: 0,
  };
  applyCheckBody(core, run, body);
  run.checkSuiteId = checkSuiteFor(core, repo, app, body.head_sha).id;
  repo.checkRuns.push(run);
  core.markWritten(run);
  core.emit({ name: "check_run", action: "created", repo, checkRunId: id, sender });
  return run;
}
