import type { KeyObject } from "node:crypto";
import type { GitStore } from "./git-store.js";

/** A repository role, weakest first (GitHub's order). */
export type Role = "read" | "triage" | "write" | "maintain" | "admin";
export const ROLES: readonly Role[] = ["read", "triage", "write", "maintain", "admin"];

/** A GitHub App permission name the simulator checks. */
export type PermissionName =
  | "actions"
  | "checks"
  | "contents"
  | "deployments"
  | "issues"
  | "metadata"
  | "pull_requests"
  | "statuses"
  | "administration";
export type Access = "read" | "write";
export type Permissions = Partial<Record<PermissionName, Access>>;

export interface SimUser {
  id: number;
  nodeId: string;
  login: string;
  type: "User" | "Organization" | "Bot";
  name: string;
  email: string;
}

export interface SimLabel {
  id: number;
  nodeId: string;
  name: string;
  color: string;
  description: string | null;
}

export interface SimComment {
  id: number;
  nodeId: string;
  issueNumber: number;
  body: string;
  user: SimUser;
  createdAt: string;
  updatedAt: string;
}

export interface SimPull {
  headRepo: SimRepo;
  headRef: string;
  headSha: string;
  baseRef: string;
  /** Base branch tip when the PR was opened or last synchronised. */
  baseSha: string;
  merged: boolean;
  mergedAt: string | null;
  mergedBy: SimUser | null;
  mergeCommitSha: string | null;
  draft: boolean;
}

export interface SimIssue {
  id: number;
  nodeId: string;
  number: number;
  title: string;
  body: string | null;
  user: SimUser;
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "reopened" | null;
  labels: string[];
  commentIds: number[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  pull?: SimPull;
}

export interface SimCheckRun {
  id: number;
  nodeId: string;
  name: string;
  headSha: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  app: SimApp | null;
  checkSuiteId: number;
}

/** A check suite: one per app and head commit, created with the app's first check run there. */
export interface SimCheckSuite {
  id: number;
  nodeId: string;
  headSha: string;
  app: SimApp | null;
}

export interface SimArtifact {
  id: number;
  nodeId: string;
  name: string;
  runId: number;
  /** The stored archive (a zip for uploads; raw bytes when uploaded with skipArchive). */
  content: Buffer;
  mimeType: string;
  digest: string | null;
  finalized: boolean;
  createdAt: string;
  expiresAt: string;
  /** Blocks staged through the block-blob API before commit. */
  stagedBlocks: Map<string, Buffer>;
}

export interface SimWorkflowRun {
  id: number;
  nodeId: string;
  name: string;
  path: string;
  workflowId: number;
  runNumber: number;
  runAttempt: number;
  event: string;
  status: "queued" | "in_progress" | "completed";
  conclusion:
    "success" | "failure" | "cancelled" | "neutral" | "skipped" | "timed_out" | "action_required" | null;
  headSha: string;
  headBranch: string | null;
  headRepo: SimRepo;
  pullNumbers: number[];
  actor: SimUser;
  createdAt: string;
  updatedAt: string;
  artifacts: SimArtifact[];
  /** The ids the artifact service sees in the runtime token's `Actions.Results:<run>:<job>` scope. */
  backendId: string;
  jobBackendId: string;
}

export interface SimDeploymentStatus {
  id: number;
  nodeId: string;
  state: "error" | "failure" | "inactive" | "pending" | "success" | "queued" | "in_progress";
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  targetUrl: string;
  creator: SimUser;
  createdAt: string;
  updatedAt: string;
}

export interface SimDeployment {
  id: number;
  nodeId: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  description: string | null;
  creator: SimUser;
  createdAt: string;
  updatedAt: string;
  transient: boolean;
  production: boolean;
  statuses: SimDeploymentStatus[];
}

export interface SimRepo {
  id: number;
  nodeId: string;
  owner: SimUser;
  name: string;
  fullName: string;
  private: boolean;
  description: string | null;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  /** The repository this one was forked from. */
  parent: SimRepo | null;
  git: GitStore;
  /** Full ref name (`refs/heads/main`) to commit sha. */
  refs: Map<string, string>;
  protectedBranches: Set<string>;
  collaborators: Map<string, Role>;
  issues: Map<number, SimIssue>;
  comments: Map<number, SimComment>;
  labels: Map<string, SimLabel>;
  checkRuns: SimCheckRun[];
  checkSuites: SimCheckSuite[];
  workflowRuns: SimWorkflowRun[];
  deployments: SimDeployment[];
}

export interface SimApp {
  id: number;
  nodeId: string;
  slug: string;
  name: string;
  clientId: string;
  owner: SimUser;
  /** The app's bot user (`<slug>[bot]`): the author of what its installation tokens write. */
  bot: SimUser;
  permissions: Permissions;
  events: string[];
  /** PKCS#8 PEM: give it to `@octokit/auth-app` / Probot. */
  privateKey: string;
  publicKey: KeyObject;
}

export interface SimInstallation {
  id: number;
  app: SimApp;
  account: SimUser;
  /** `all` or the repositories it was installed on. */
  repositories: "all" | SimRepo[];
  createdAt: string;
}

/** Who a token speaks for and what it may do. */
export type TokenGrant =
  | { kind: "user"; user: SimUser }
  | {
      kind: "installation";
      installation: SimInstallation;
      permissions: Permissions;
      repositories: "all" | SimRepo[];
      expiresAt: string;
    }
  | { kind: "workflow"; repo: SimRepo; permissions: Permissions; runId: number | null; actor: SimUser }
  | { kind: "app"; app: SimApp };
