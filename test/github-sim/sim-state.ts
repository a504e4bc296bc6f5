import { addLabels, createComment, createIssue, labelsOf } from "./issue-ops.js";
import type {
  Permissions,
  Role,
  SimApp,
  SimArtifact,
  SimCheckRun,
  SimCheckSuite,
  SimComment,
  SimDeployment,
  SimInstallation,
  SimIssue,
  SimRepo,
  SimUser,
  SimWorkflowRun,
} from "./model.js";
import { mergePullRequest, openPullRequest, setPullState, type MergePullOptions } from "./pull-ops.js";
import {
  addCollaborator,
  createRepo,
  createUser,
  forkRepo,
  pushCommit,
  resolveRef,
  type CreateRepoOptions,
  type CreateUserOptions,
  type PushCommitOptions,
} from "./repo-ops.js";
import {
  addArtifact,
  createWorkflowRun,
  rerunWorkflowRun,
  setRunStatus,
  type CreateRunOptions,
} from "./run-ops.js";
import { StateCore } from "./state-core.js";
import {
  createApp,
  createInstallationToken,
  createUserToken,
  createWorkflowToken,
  installApp,
  type CreateAppOptions,
} from "./tokens.js";

/** A repository given as the object or as `owner/name`. */
export type RepoRef = SimRepo | string;

/**
 * The simulator's state with the helpers tests use to set a scene and read the outcome back.
 * Helpers act like the matching GitHub action (and emit the same webhooks); users are given by login.
 */
export class SimState extends StateCore {
  private resolve(repo: RepoRef): SimRepo {
    return typeof repo === "string" ? this.repo(repo) : repo;
  }

  private login(user: string | SimUser): SimUser {
    return typeof user === "string" ? (this.users.get(user.toLowerCase()) ?? createUser(this, user)) : user;
  }

  // --- scene -------------------------------------------------------------------------------------

  createUser(login: string, options?: CreateUserOptions): SimUser {
    return createUser(this, login, options);
  }

  /** A repository with `files` committed on its default branch (`main` unless given). */
  createRepo(options: CreateRepoOptions): SimRepo {
    return createRepo(this, options);
  }

  addCollaborator(repo: RepoRef, login: string, role: Role): void {
    addCollaborator(this, this.resolve(repo), login, role);
  }

  protectBranch(repo: RepoRef, branch: string): void {
    this.resolve(repo).protectedBranches.add(branch);
  }

  fork(repo: RepoRef, owner: string, name?: string): SimRepo {
    return forkRepo(this, this.resolve(repo), owner, name);
  }

  /** Commits files on a branch (creating it from `from` or the default branch) and returns the sha. */
  pushCommit(repo: RepoRef, options: PushCommitOptions): string {
    return pushCommit(this, this.resolve(repo), options);
  }

  /**
   * Opens a pull request on `repo` from `head` (a branch of `repo`, or of `from` for a fork PR),
   * authored by `user` (default: the head repository's owner).
   */
  openPullRequest(
    repo: RepoRef,
    options: {
      head: string;
      from?: RepoRef;
      base?: string;
      title?: string;
      body?: string;
      user?: string;
      draft?: boolean;
    },
  ): SimIssue {
    const base = this.resolve(repo);
    const headRepo = options.from ? this.resolve(options.from) : base;
    return openPullRequest(this, base, {
      head: options.head,
      headRepo,
      user: this.login(options.user ?? headRepo.owner.login),
      ...(options.base !== undefined ? { base: options.base } : {}),
      ...(options.title !== undefined ? { title: options.title } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.draft !== undefined ? { draft: options.draft } : {}),
    });
  }

  /** Merges a pull request as `by`; returns the merge commit's sha. */
  mergePullRequest(
    repo: RepoRef,
    number: number,
    options: Omit<MergePullOptions, "by"> & { by: string },
  ): string {
    return mergePullRequest(this, this.resolve(repo), number, { ...options, by: this.login(options.by) });
  }

  closePullRequest(repo: RepoRef, number: number, by: string): void {
    setPullState(this, this.resolve(repo), number, "closed", this.login(by));
  }

  createIssue(
    repo: RepoRef,
    options: { title: string; body?: string; user: string; labels?: string[] },
  ): SimIssue {
    return createIssue(this, this.resolve(repo), { ...options, user: this.login(options.user) });
  }

  addComment(repo: RepoRef, number: number, body: string, user: string): SimComment {
    return createComment(this, this.resolve(repo), number, body, this.login(user));
  }

  addLabels(repo: RepoRef, number: number, labels: string[], by: string): void {
    addLabels(this, this.resolve(repo), number, labels, this.login(by));
  }

  // --- tokens and apps ---------------------------------------------------------------------------

  /** A personal access token acting as `login` with the user's repository roles. */
  userToken(login: string): string {
    return createUserToken(this, this.login(login));
  }

  /** A workflow GITHUB_TOKEN for `repo`; read-only unless `permissions` says otherwise. */
  workflowToken(
    repo: RepoRef,
    options: { permissions?: Permissions; runId?: number; actor?: string } = {},
  ): string {
    return createWorkflowToken(this, this.resolve(repo), {
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...(options.runId !== undefined ? { runId: options.runId } : {}),
      ...(options.actor ? { actor: this.login(options.actor) } : {}),
    });
  }

  /** Registers a GitHub App (RSA key included) that tests authenticate as with its JWT. */
  createApp(options: CreateAppOptions): SimApp {
    return createApp(this, options);
  }

  /** Installs an app on `account` (all its repositories, or the ones listed). */
  installApp(app: SimApp, account: string, repositories: "all" | RepoRef[] = "all"): SimInstallation {
    return installApp(
      this,
      app,
      this.login(account),
      repositories === "all" ? "all" : repositories.map((r) => this.resolve(r)),
    );
  }

  /** An installation token without the JWT round trip (what `POST .../access_tokens` returns). */
  installationToken(
    installation: SimInstallation,
    narrow: { permissions?: Permissions; repositories?: RepoRef[] } = {},
  ): string {
    return createInstallationToken(this, installation, {
      ...(narrow.permissions ? { permissions: narrow.permissions } : {}),
      ...(narrow.repositories ? { repositories: narrow.repositories.map((r) => this.resolve(r)) } : {}),
    }).token;
  }

  // --- workflow runs -----------------------------------------------------------------------------

  createWorkflowRun(
    repo: RepoRef,
    options: Omit<CreateRunOptions, "actor"> & { actor: string },
  ): SimWorkflowRun {
    return createWorkflowRun(this, this.resolve(repo), { ...options, actor: this.login(options.actor) });
  }

  completeWorkflowRun(
    repo: RepoRef,
    run: SimWorkflowRun,
    conclusion: NonNullable<SimWorkflowRun["conclusion"]> = "success",
  ): void {
    setRunStatus(this, this.resolve(repo), run, "completed", conclusion);
  }

  /** Re-runs a completed run: same id, next attempt, queued again, earlier artifacts dropped. */
  rerunWorkflowRun(repo: RepoRef, run: SimWorkflowRun): SimWorkflowRun {
    return rerunWorkflowRun(this, this.resolve(repo), run);
  }

  /** Adds a finished artifact made of `files` (zipped) to a run. */
  addArtifact(run: SimWorkflowRun, name: string, files: Record<string, string | Buffer>): SimArtifact {
    return addArtifact(this, run, name, files);
  }

  // --- reading back ------------------------------------------------------------------------------

  /** The sha a branch, `heads/x`/`tags/x` ref or full ref points at; undefined when it does not exist. */
  refSha(repo: RepoRef, ref: string): string | undefined {
    try {
      return resolveRef(this.resolve(repo), ref);
    } catch {
      return undefined;
    }
  }

  /** A file's text at a ref (branch, ref or sha); undefined when absent. */
  readFile(repo: RepoRef, ref: string, path: string): string | undefined {
    const r = this.resolve(repo);
    const tree = r.git.commit(resolveRef(r, ref))?.tree;
    const entry = tree ? r.git.lookup(tree, path) : undefined;
    return entry?.type === "blob" ? r.git.blob(entry.sha)?.toString("utf8") : undefined;
  }

  /** A file's bytes at a ref (branch, ref or sha); undefined when absent. */
  readFileBytes(repo: RepoRef, ref: string, path: string): Buffer | undefined {
    const r = this.resolve(repo);
    const tree = r.git.commit(resolveRef(r, ref))?.tree;
    const entry = tree ? r.git.lookup(tree, path) : undefined;
    return entry?.type === "blob" ? r.git.blob(entry.sha) : undefined;
  }

  /** Every file at a ref, path to text. */
  files(repo: RepoRef, ref: string): Record<string, string> {
    const r = this.resolve(repo);
    const tree = r.git.commit(resolveRef(r, ref))?.tree;
    const out: Record<string, string> = {};
    for (const [path, e] of tree ? r.git.listFiles(tree) : [])
      out[path] = r.git.blob(e.sha)?.toString("utf8") ?? "";
    return out;
  }

  /** The commit object at a sha or ref: message, parents, tree, author. */
  commit(repo: RepoRef, ref: string) {
    const r = this.resolve(repo);
    const sha = resolveRef(r, ref);
    const c = r.git.commit(sha);
    return c ? { sha, ...c } : undefined;
  }

  override issue(repo: RepoRef, number: number): SimIssue {
    return super.issue(this.resolve(repo), number);
  }

  issues(repo: RepoRef): SimIssue[] {
    return [...this.resolve(repo).issues.values()].filter((i) => !i.pull);
  }

  pullRequests(repo: RepoRef): SimIssue[] {
    return [...this.resolve(repo).issues.values()].filter((i) => i.pull);
  }

  comments(repo: RepoRef, number: number): SimComment[] {
    const r = this.resolve(repo);
    return super
      .issue(r, number)
      .commentIds.map((id) => r.comments.get(id))
      .filter((c): c is SimComment => c !== undefined);
  }

  labels(repo: RepoRef, number: number): string[] {
    const r = this.resolve(repo);
    return labelsOf(r, super.issue(r, number)).map((l) => l.name);
  }

  /** Check runs, optionally only those on `sha`, oldest first. */
  checkRuns(repo: RepoRef, sha?: string): SimCheckRun[] {
    return this.resolve(repo).checkRuns.filter((c) => sha === undefined || c.headSha === sha);
  }

  /** Check suites (one per app and head commit), optionally only those on `sha`. */
  checkSuites(repo: RepoRef, sha?: string): SimCheckSuite[] {
    return this.resolve(repo).checkSuites.filter((s) => sha === undefined || s.headSha === sha);
  }

  deployments(repo: RepoRef): SimDeployment[] {
    return this.resolve(repo).deployments;
  }

  workflowRuns(repo: RepoRef): SimWorkflowRun[] {
    return this.resolve(repo).workflowRuns;
  }
}
