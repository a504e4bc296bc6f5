/**
 * The Probot app: each handler reads the few payload fields it needs, hands `context.octokit`
 * to the module that decides and acts, and logs the outcome. The app keeps no state: what it
 * knows between events lives in GitHub (check runs, comments, the registry in git).
 */
import type { ApplicationFunction, Context, Probot } from "probot";
import type { AppIdentity, AppRuntime, GitHubClient } from "./github-client.js";
import { ARTIFACT_LIMITS, type ArtifactLimits } from "./artifact-limits.js";
import { handleCommentCommand } from "./handle-comment-command.js";
import { handleMerge } from "./handle-merge.js";
import { handlePromotionLabel } from "./handle-promotion-label.js";
import { apiCallsOf } from "./app-octokit.js";
import { handleWorkflowRun } from "./handle-workflow-run.js";
import type { ListingWait } from "./read-your-write.js";
import { SnapshotCache } from "./snapshot-cache.js";
import {
  reconcileInstallations,
  type AppClient,
  type InstallationsPassOutcome,
} from "./reconcile-installations.js";

export interface ModelgateAppOptions {
  /** The app's id and slug; by default asked once from `GET /app` with the app's JWT. */
  identity?: AppIdentity;
  /** Limits on report artifacts; ARTIFACT_LIMITS by default. */
  limits?: ArtifactLimits;
  /** How long to wait for the app's own write to show in a listing (read-your-write.ts defaults). */
  listingWait?: ListingWait;
  /** Told of every handled event: its time and API calls (for metrics and the bench). */
  onHandled?: (handled: HandledEvent) => void;
  /** Given, once the app loads, the reconciliation pass over every installation (the server schedules it). */
  reconciler?: (pass: () => Promise<InstallationsPassOutcome>) => void;
}

/** One event handled: which, how long it took, how many API requests it made, whether it failed. */
export interface HandledEvent {
  event: string;
  action: string | undefined;
  ms: number;
  apiCalls: number;
  failed: boolean;
}

/** Resolves the app's identity once, and again after a failure. */
function identityResolver(app: Probot, given: AppIdentity | undefined): () => Promise<AppIdentity> {
  let pending: Promise<AppIdentity> | undefined = given ? Promise.resolve(given) : undefined;
  return () => {
    pending ??= (async () => {
      const octokit = await app.auth();
      const { data } = await octokit.rest.apps.getAuthenticated();
      if (!data?.slug) throw new Error("GET /app answered without the app's slug");
      return { id: data.id, slug: data.slug };
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function repoOf(context: Context<"workflow_run" | "pull_request" | "issue_comment">) {
  const { owner, repo } = context.repo();
  return { owner, repo };
}

/** The modelgate app function, for `createNodeMiddleware`, `Probot#load` or Probot's adapters. */
export function modelgateApp(options: ModelgateAppOptions = {}): ApplicationFunction {
  return (app) => {
    const identity = identityResolver(app, options.identity);
    const limits = options.limits ?? ARTIFACT_LIMITS;
    const snapshots = new SnapshotCache<unknown>();
    const runtime = async (): Promise<AppRuntime> => ({
      identity: await identity(),
      limits,
      snapshots,
      ...(options.listingWait ? { listingWait: options.listingWait } : {}),
    });
    const client = (context: { octokit: unknown }) => context.octokit as GitHubClient;
    options.reconciler?.(async () =>
      reconcileInstallations(
        (await app.auth()) as unknown as AppClient,
        async (id) => (await app.auth(id)) as unknown as GitHubClient,
        await runtime(),
      ),
    );
    const timed = async (
      context: { name: string; payload: { action?: string }; octokit: unknown },
      handle: () => Promise<void>,
    ) => {
      const started = performance.now();
      let failed = true;
      try {
        await handle();
        failed = false;
      } finally {
        options.onHandled?.({
          event: context.name,
          action: context.payload.action,
          ms: performance.now() - started,
          apiCalls: apiCallsOf(context.octokit) ?? 0,
          failed,
        });
      }
    };

    app.on("workflow_run.completed", (context) =>
      timed(context, async () => {
        const run = context.payload.workflow_run;
        const outcome = await handleWorkflowRun(client(context), await runtime(), {
          repo: repoOf(context),
          defaultBranch: context.payload.repository.default_branch,
          run: {
            id: run.id,
            attempt: run.run_attempt ?? 1,
            headSha: run.head_sha,
            conclusion: run.conclusion,
            path: run.path,
          },
          head: {
            headBranch: run.head_branch,
            headOwner: run.head_repository?.owner?.login ?? null,
            listed: (run.pull_requests ?? []).flatMap((p) =>
              p && p.head.sha !== run.head_sha ? [p.number] : [],
            ),
            known: (run.pull_requests ?? []).flatMap((p) =>
              p && p.head.sha === run.head_sha ? [p.number] : [],
            ),
          },
        });
        context.log.info(
          {
            run: run.id,
            handled: outcome.handled,
            conclusion: outcome.assessment?.conclusion,
            pulls: outcome.pulls,
            comments: outcome.comments,
          },
          "workflow_run.completed",
        );
      }),
    );

    app.on(["pull_request.labeled", "pull_request.unlabeled", "pull_request.synchronize"], (context) =>
      timed(context, async () => {
        const pr = context.payload.pull_request;
        const label = "label" in context.payload ? (context.payload.label?.name ?? null) : null;
        const outcome = await handlePromotionLabel(client(context), await runtime(), {
          repo: repoOf(context),
          defaultBranch: context.payload.repository.default_branch,
          action: context.payload.action,
          number: pr.number,
          state: pr.state,
          headSha: pr.head.sha,
          labels: pr.labels.map((l) => l.name),
          label,
          sender: context.payload.sender.login,
          senderType: context.payload.sender.type,
        });
        context.log.info(
          {
            pr: pr.number,
            action: context.payload.action,
            handled: outcome.handled,
            allowed: outcome.decision?.allowed,
          },
          "promotion label",
        );
      }),
    );

    app.on("pull_request.closed", (context) =>
      timed(context, async () => {
        const pr = context.payload.pull_request;
        const outcome = await handleMerge(client(context), await runtime(), {
          repo: repoOf(context),
          defaultBranch: context.payload.repository.default_branch,
          number: pr.number,
          merged: pr.merged === true,
          headSha: pr.head.sha,
          mergeCommitSha: pr.merge_commit_sha,
          mergedAt: pr.merged_at,
          mergedBy: pr.merged_by?.login ?? context.payload.sender.login,
          labels: pr.labels.map((l) => l.name),
        });
        context.log.info({ pr: pr.number, status: outcome.status }, "pull_request.closed");
      }),
    );

    app.on("issue_comment.created", (context) =>
      timed(context, async () => {
        const { comment, issue } = context.payload;
        const outcome = await handleCommentCommand(client(context), await runtime(), {
          repo: repoOf(context),
          defaultBranch: context.payload.repository.default_branch,
          issueNumber: issue.number,
          isPullRequest: issue.pull_request !== undefined && issue.pull_request !== null,
          commentId: comment.id,
          body: comment.body,
          createdAt: comment.created_at,
          sender: context.payload.sender.login,
          senderType: context.payload.sender.type,
        });
        if (outcome.command)
          context.log.info(
            { issue: issue.number, command: outcome.command.kind, handled: outcome.handled },
            "command",
          );
      }),
    );
  };
}
