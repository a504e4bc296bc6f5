import type { SimCheckRun, SimDeployment, SimDeploymentStatus } from "./model.js";
import { applyCheckBody, createCheckRun, type CheckBody } from "./check-ops.js";
import { renderCheckRun, renderDeployment, renderDeploymentStatus } from "./render-ci.js";
import { resolveRef } from "./repo-ops.js";
import { paginate, route, type Route, type RouteContext } from "./router.js";
import { ApiError } from "./state-core.js";

function checkRun(ctx: RouteContext): SimCheckRun {
  const run = ctx.repo.checkRuns.find((r) => r.id === Number(ctx.params.check_run_id));
  if (!run) throw new ApiError(404, "Not Found");
  return run;
}

const deploymentOf = (ctx: RouteContext): SimDeployment => {
  const d = ctx.repo.deployments.find((x) => x.id === Number(ctx.params.deployment_id));
  if (!d) throw new ApiError(404, "Not Found");
  return d;
};

/** Check runs (create, update, get, list for a ref) and deployments with their statuses. */
export function checkRoutes(): Route[] {
  const checksWrite = { permission: "checks", access: "write", appOnly: true } as const;
  const deployWrite = { permission: "deployments", access: "write" } as const;
  return [
    route(
      "checks/create",
      (ctx) => {
        const body = ctx.body as CheckBody & { name: string; head_sha: string };
        const app = ctx.grant?.kind === "installation" ? ctx.grant.installation.app : null;
        const run = createCheckRun(ctx.state, ctx.repo, body, app, ctx.actor());
        return { status: 201, body: renderCheckRun(ctx.state, ctx.repo, run) };
      },
      { need: checksWrite },
    ),

    route(
      "checks/update",
      (ctx) => {
        const run = checkRun(ctx);
        const grant = ctx.grant;
        if (grant?.kind === "installation" && run.app && run.app.id !== grant.installation.app.id) {
          throw new ApiError(
            403,
            "Invalid app_id `" +
              grant.installation.app.id +
              "` - check run can only be modified by the GitHub App that created it.",
          );
        }
        const wasCompleted = run.status === "completed";
        applyCheckBody(ctx.state, run, ctx.body as CheckBody);
        if (!wasCompleted && run.status === "completed") {
          ctx.state.emit({
            name: "check_run",
            action: "completed",
            repo: ctx.repo,
            checkRunId: run.id,
            sender: ctx.actor(),
          });
        }
        return { status: 200, body: renderCheckRun(ctx.state, ctx.repo, run) };
      },
      { need: checksWrite },
    ),

    route(
      "checks/get",
      (ctx) => ({ status: 200, body: renderCheckRun(ctx.state, ctx.repo, checkRun(ctx)) }),
      { need: { permission: "checks", access: "read" } },
    ),

    route(
      "checks/list-for-ref",
      (ctx) => {
        const sha = resolveRef(ctx.repo, String(ctx.params.ref));
        let runs = ctx.repo.checkRuns.filter(
          (r) =>
            r.headSha === sha &&
            ctx.state.listed(r) &&
            (ctx.params.check_name === undefined || r.name === ctx.params.check_name) &&
            (ctx.params.status === undefined || r.status === ctx.params.status) &&
            (ctx.params.app_id === undefined || r.app?.id === ctx.params.app_id),
        );
        if (ctx.params.filter !== "all") {
          // `latest` (the default) keeps the most recent run of each name.
          const latest = new Map<string, SimCheckRun>();
          for (const r of runs) latest.set(r.name, r);
          runs = [...latest.values()];
        }
        runs = [...runs].reverse();
        const { page, headers } = paginate(ctx, runs);
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: page.map((r) => renderCheckRun(ctx.state, ctx.repo, r)),
          },
          headers,
        };
      },
      { need: { permission: "checks", access: "read" } },
    ),

    route(
      "repos/create-deployment",
      (ctx) => {
        const body = ctx.body as {
          ref: string;
          task?: string;
          payload?: Record<string, unknown> | string;
          environment?: string;
          description?: string | null;
          transient_environment?: boolean;
          production_environment?: boolean;
        };
        const sha = resolveRef(ctx.repo, body.ref);
        const id = ctx.state.id();
        const now = ctx.state.now();
        const environment = body.environment ?? "production";
        const d: SimDeployment = {
          id,
          nodeId: ctx.state.nodeId("Deployment", id),
          sha,
          ref: body.ref,
          task: body.task ?? "deploy",
          payload: body.payload ?? {},
          environment,
          description: body.description ?? null,
          creator: ctx.actor(),
          createdAt: now,
          updatedAt: now,
          transient: body.transient_environment ?? false,
          production: body.production_environment ?? environment === "production",
          statuses: [],
        };
        ctx.repo.deployments.push(d);
        ctx.state.emit({
          name: "deployment",
          action: "created",
          repo: ctx.repo,
          deploymentId: id,
          sender: d.creator,
        });
        return { status: 201, body: renderDeployment(ctx.state, ctx.repo, d) };
      },
      { need: deployWrite },
    ),

    route(
      "repos/list-deployments",
      (ctx) => {
        const p = ctx.params;
        const list = ctx.repo.deployments
          .filter(
            (d) =>
              (p.sha === undefined || d.sha === p.sha) &&
              (p.ref === undefined || d.ref === p.ref) &&
              (p.task === undefined || d.task === p.task) &&
              (p.environment === undefined || d.environment === p.environment),
          )
          .reverse();
        const { page, headers } = paginate(
          ctx,
          list.map((d) => renderDeployment(ctx.state, ctx.repo, d)),
        );
        return { status: 200, body: page, headers };
      },
      { need: { permission: "deployments", access: "read" } },
    ),

    route(
      "repos/get-deployment",
      (ctx) => ({ status: 200, body: renderDeployment(ctx.state, ctx.repo, deploymentOf(ctx)) }),
      { need: { permission: "deployments", access: "read" } },
    ),

    route(
      "repos/create-deployment-status",
      (ctx) => {
        const d = deploymentOf(ctx);
        const body = ctx.body as {
          state: SimDeploymentStatus["state"];
          target_url?: string;
          log_url?: string;
          description?: string;
          environment?: string;
          environment_url?: string;
          auto_inactive?: boolean;
        };
        const status = addStatus(ctx, d, body);
        if (body.state === "success" && body.auto_inactive !== false) {
          // GitHub marks earlier successful deployments to the same environment inactive.
          for (const other of ctx.repo.deployments) {
            if (other === d || other.environment !== d.environment) continue;
            if (other.statuses[other.statuses.length - 1]?.state === "success")
              addStatus(ctx, other, { state: "inactive" });
          }
        }
        return { status: 201, body: renderDeploymentStatus(ctx.state, ctx.repo, d, status) };
      },
      { need: deployWrite },
    ),

    route(
      "repos/list-deployment-statuses",
      (ctx) => {
        const d = deploymentOf(ctx);
        const { page, headers } = paginate(
          ctx,
          [...d.statuses].reverse().map((s) => renderDeploymentStatus(ctx.state, ctx.repo, d, s)),
        );
        return { status: 200, body: page, headers };
      },
      { need: { permission: "deployments", access: "read" } },
    ),
  ];
}

function addStatus(
  ctx: RouteContext,
  d: SimDeployment,
  body: {
    state: SimDeploymentStatus["state"];
    target_url?: string;
    log_url?: string;
    description?: string;
    environment?: string;
    environment_url?: string;
  },
): SimDeploymentStatus {
  const id = ctx.state.id();
  const now = ctx.state.now();
  // GitHub sends "" for an unset url, which its own schema (format: uri) rejects; the simulator
  // points unset urls at the deployment's page instead so every answer stays valid.
  const page = `${ctx.state.serverUrl}/${ctx.repo.fullName}/deployments/${d.id}`;
  const status: SimDeploymentStatus = {
    id,
    nodeId: ctx.state.nodeId("DeploymentStatus", id),
    state: body.state,
    description: body.description ?? "",
    environment: body.environment ?? d.environment,
    environmentUrl: body.environment_url ?? page,
    logUrl: body.log_url ?? body.target_url ?? page,
    targetUrl: body.target_url ?? body.log_url ?? page,
    creator: ctx.actor(),
    createdAt: now,
    updatedAt: now,
  };
  d.statuses.push(status);
  d.updatedAt = now;
  ctx.state.emit({
    name: "deployment_status",
    action: "created",
    repo: ctx.repo,
    deploymentId: d.id,
    statusId: id,
    sender: status.creator,
  });
  return status;
}
