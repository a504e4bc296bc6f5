/**
 * The one GitHub client type the app's decisions and effects take: exactly the REST methods
 * they call and GraphQL, typed from Probot's Octokit, so `context.octokit` passes as is and tests can hand
 * in any Octokit pointed at the simulator.
 */
import type { ProbotOctokit } from "probot";
import type { ArtifactLimits } from "./artifact-limits.js";
import type { ListingWait } from "./read-your-write.js";
import type { SnapshotCache } from "./snapshot-cache.js";

type FullClient = InstanceType<typeof ProbotOctokit>;
type Rest = FullClient["rest"];

/** The REST surface the app uses, and nothing else (README, "APIs"). */
export interface GitHubClient {
  rest: {
    apps: Pick<Rest["apps"], "listInstallations" | "listReposAccessibleToInstallation">;
    actions: Pick<
      Rest["actions"],
      "listWorkflowRunArtifacts" | "downloadArtifact" | "listWorkflowRunsForRepo"
    >;
    checks: Pick<Rest["checks"], "create" | "update" | "get" | "listForRef">;
    git: Pick<
      Rest["git"],
      "getRef" | "getCommit" | "createBlob" | "createTree" | "createCommit" | "updateRef"
    >;
    issues: Pick<
      Rest["issues"],
      "listComments" | "getComment" | "createComment" | "updateComment" | "deleteComment" | "removeLabel"
    >;
    pulls: Pick<Rest["pulls"], "list" | "get">;
    repos: Pick<
      Rest["repos"],
      | "get"
      | "getContent"
      | "getCollaboratorPermissionLevel"
      | "createDeployment"
      | "listDeployments"
      | "createDeploymentStatus"
      | "listDeploymentStatuses"
    >;
  };
  paginate: FullClient["paginate"];
  /** GitHub's GraphQL API, for the `workflow_run` path's batched reads and writes (graphql-publication.ts). */
  graphql: FullClient["graphql"];
}

/** A repository as the REST API names it. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** Who the app is: its check runs carry `app.id`, its comments are written by `<slug>[bot]`. */
export interface AppIdentity {
  id: number;
  slug: string;
}

/** What every handler gets besides the client: who the app is and the limits on artifacts. */
export interface AppRuntime {
  identity: AppIdentity;
  limits: ArtifactLimits;
  /** How long to wait for the app's own write to show in a listing (read-your-write.ts). */
  listingWait?: ListingWait;
  /** Decoded default-branch snapshots by commit (snapshot-cache.ts); none: read every time. */
  snapshots?: SnapshotCache<unknown>;
}

/** The login GitHub gives an app's bot user; `[` cannot appear in a person's login. */
export function botLogin(identity: AppIdentity): string {
  return `${identity.slug}[bot]`;
}

/** The HTTP status of an Octokit RequestError (or anything shaped like one), else undefined. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** GitHub's error message of a failed request, without the documentation link. */
export function apiMessageOf(error: unknown): string {
  const data = (error as { response?: { data?: { message?: unknown } } } | null)?.response?.data;
  if (typeof data?.message === "string") return data.message;
  return error instanceof Error ? error.message : String(error);
}
