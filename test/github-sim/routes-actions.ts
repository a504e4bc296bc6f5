import type { SimArtifact, SimRepo, SimWorkflowRun } from "./model.js";
import { renderArtifact, renderWorkflowRun } from "./render-ci.js";
import { paginate, route, type Route, type RouteContext } from "./router.js";
import { ApiError, type StateCore } from "./state-core.js";

const actionsRead = { permission: "actions", access: "read" } as const;

function runOf(ctx: RouteContext): SimWorkflowRun {
  const run = ctx.repo.workflowRuns.find((r) => r.id === Number(ctx.params.run_id));
  if (!run) throw new ApiError(404, "Not Found");
  return run;
}

/** Finds a finalised artifact of the repository by id. */
export function findArtifact(
  repo: SimRepo,
  id: number,
): { run: SimWorkflowRun; artifact: SimArtifact } | undefined {
  for (const run of repo.workflowRuns) {
    const artifact = run.artifacts.find((a) => a.id === id && a.finalized);
    if (artifact) return { run, artifact };
  }
  return undefined;
}

/** The short-lived url an artifact download redirects to (served by the blob handler). */
export function artifactBlobUrl(core: StateCore, artifact: SimArtifact): string {
  return `${core.apiUrl}/_sim/blob/artifact-${artifact.id}/${encodeURIComponent(artifact.name)}.zip?sig=sim-${artifact.id}`;
}

/** Workflow runs (get, list) and their artifacts (list, get, download as a zip through a redirect). */
export function actionRoutes(): Route[] {
  return [
    route(
      "actions/get-workflow-run",
      (ctx) => ({ status: 200, body: renderWorkflowRun(ctx.state, ctx.repo, runOf(ctx)) }),
      { need: actionsRead },
    ),

    route(
      "actions/list-workflow-runs-for-repo",
      (ctx) => {
        const p = ctx.params;
        const runs = ctx.repo.workflowRuns
          .filter(
            (r) =>
              (p.head_sha === undefined || r.headSha === p.head_sha) &&
              (p.event === undefined || r.event === p.event) &&
              (p.status === undefined || r.status === p.status || r.conclusion === p.status) &&
              (p.branch === undefined || r.headBranch === p.branch),
          )
          .reverse();
        const { page, headers } = paginate(ctx, runs);
        return {
          status: 200,
          body: {
            total_count: runs.length,
            workflow_runs: page.map((r) => renderWorkflowRun(ctx.state, ctx.repo, r)),
          },
          headers,
        };
      },
      { need: actionsRead },
    ),

    route(
      "actions/list-workflow-run-artifacts",
      (ctx) => {
        const run = runOf(ctx);
        const name = typeof ctx.params.name === "string" ? ctx.params.name : undefined;
        const list = run.artifacts.filter((a) => a.finalized && (name === undefined || a.name === name));
        const { page, headers } = paginate(ctx, list);
        return {
          status: 200,
          body: {
            total_count: list.length,
            artifacts: page.map((a) => renderArtifact(ctx.state, ctx.repo, run, a)),
          },
          headers,
        };
      },
      { need: actionsRead },
    ),

    route(
      "actions/get-artifact",
      (ctx) => {
        const found = findArtifact(ctx.repo, Number(ctx.params.artifact_id));
        if (!found) throw new ApiError(404, "Not Found");
        return { status: 200, body: renderArtifact(ctx.state, ctx.repo, found.run, found.artifact) };
      },
      { need: actionsRead },
    ),

    route(
      "actions/download-artifact",
      (ctx) => {
        const found = findArtifact(ctx.repo, Number(ctx.params.artifact_id));
        if (!found || ctx.params.archive_format !== "zip") throw new ApiError(404, "Not Found");
        return { status: 302, headers: { location: artifactBlobUrl(ctx.state, found.artifact) } };
      },
      { need: actionsRead },
    ),
  ];
}
