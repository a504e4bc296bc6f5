import type { GitSignature, TreeChange } from "./git-store.js";
import type { Role, SimRepo, SimUser } from "./model.js";
import { ApiError, type StateCore } from "./state-core.js";

/** Options of `createUser`. */
export interface CreateUserOptions {
  type?: SimUser["type"];
  name?: string;
  email?: string;
}

/** Creates a user (or organisation, or bot); logins are unique ignoring case. */
export function createUser(core: StateCore, login: string, options: CreateUserOptions = {}): SimUser {
  const existing = core.users.get(login.toLowerCase());
  if (existing) return existing;
  const id = core.id();
  const type = options.type ?? "User";
  const user: SimUser = {
    id,
    nodeId: core.nodeId(type, id),
    login,
    type,
    name: options.name ?? login,
    email: options.email ?? `${id}+${login.replace(/[^A-Za-z0-9-]/g, "")}@users.noreply.github.com`,
  };
  core.users.set(login.toLowerCase(), user);
  return user;
}

/** Options of `createRepo`. */
export interface CreateRepoOptions {
  /** Login of the owner; created as a user when unknown. */
  owner: string;
  name: string;
  /** Files of the first commit on the default branch, by path. */
  files?: Record<string, string | Buffer>;
  defaultBranch?: string;
  private?: boolean;
  /** Protect the default branch: no force pushes, no deletion. */
  protected?: boolean;
  description?: string;
}

/** Creates a repository with one commit holding `files` on its default branch. */
export function createRepo(core: StateCore, options: CreateRepoOptions): SimRepo {
  const owner = core.users.get(options.owner.toLowerCase()) ?? createUser(core, options.owner);
  const fullName = `${owner.login}/${options.name}`;
  if (core.repos.has(fullName.toLowerCase())) {
    throw new ApiError(422, "Repository creation failed.", [
      {
        resource: "Repository",
        field: "name",
        code: "custom",
        message: "name already exists on this account",
      },
    ]);
  }
  const repo = emptyRepo(core, owner, options.name, options.private ?? false, null);
  repo.description = options.description ?? null;
  repo.defaultBranch = options.defaultBranch ?? "main";
  const files = Object.entries(options.files ?? { "README.md": `# ${options.name}\n` });
  const tree = repo.git.applyChanges(
    undefined,
    files.map(([path, content]) => ({ path, content })),
  );
  const sha = repo.git.putCommit({
    tree,
    parents: [],
    message: "Initial commit",
    author: signature(core, owner),
    committer: signature(core, owner),
  });
  repo.refs.set(`refs/heads/${repo.defaultBranch}`, sha);
  if (options.protected) repo.protectedBranches.add(repo.defaultBranch);
  core.repos.set(fullName.toLowerCase(), repo);
  return repo;
}

function emptyRepo(
  core: StateCore,
  owner: SimUser,
  name: string,
  isPrivate: boolean,
  parent: SimRepo | null,
): SimRepo {
  const id = core.id();
  const now = core.now();
  return {
    id,
    nodeId: core.nodeId("Repository", id),
    owner,
    name,
    fullName: `${owner.login}/${name}`,
    private: isPrivate,
    description: null,
    defaultBranch: parent?.defaultBranch ?? "main",
    createdAt: now,
    updatedAt: now,
    pushedAt: now,
    parent,
    git: parent?.git ?? core.createGitStore(),
    refs: new Map(),
    protectedBranches: new Set(),
    collaborators: new Map(),
    issues: new Map(),
    comments: new Map(),
    labels: new Map(),
    checkRuns: [],
    checkSuites: [],
    workflowRuns: [],
    deployments: [],
  };
}

/** Forks `repo` into `ownerLogin`'s account: same objects, branches copied, no collaborators. */
export function forkRepo(core: StateCore, repo: SimRepo, ownerLogin: string, name = repo.name): SimRepo {
  const owner = core.users.get(ownerLogin.toLowerCase()) ?? createUser(core, ownerLogin);
  const fork = emptyRepo(core, owner, name, repo.private, repo);
  for (const [ref, sha] of repo.refs) if (ref.startsWith("refs/heads/")) fork.refs.set(ref, sha);
  core.repos.set(fork.fullName.toLowerCase(), fork);
  return fork;
}

/** Gives `login` a role on the repository (GitHub's collaborator invitation, accepted at once). */
export function addCollaborator(core: StateCore, repo: SimRepo, login: string, role: Role): void {
  const user = core.users.get(login.toLowerCase()) ?? createUser(core, login);
  repo.collaborators.set(user.login.toLowerCase(), role);
}

/** The role a user holds: the owner is admin, collaborators their role, others nothing. */
export function roleOf(repo: SimRepo, user: SimUser): Role | null {
  if (repo.owner.id === user.id) return "admin";
  return repo.collaborators.get(user.login.toLowerCase()) ?? null;
}

/** A commit signature for `user` at the simulator's time. */
export function signature(core: StateCore, user: SimUser): GitSignature {
  return { name: user.name, email: user.email, date: core.now() };
}

/** Options of `pushCommit`. */
export interface PushCommitOptions {
  branch: string;
  /** Path to new content, or `null` to delete the file. */
  files: Record<string, string | Buffer | null>;
  message?: string;
  author?: SimUser;
  /** Creates the branch from this ref or sha when it does not exist yet (default: the default branch). */
  from?: string;
}

/** Commits `files` on top of `branch` and moves the branch, as a `git push` would. Returns the sha. */
export function pushCommit(core: StateCore, repo: SimRepo, options: PushCommitOptions): string {
  const ref = `refs/heads/${options.branch}`;
  const parent = repo.refs.get(ref) ?? resolveRef(repo, options.from ?? repo.defaultBranch);
  const base = repo.git.commit(parent)?.tree;
  const changes: TreeChange[] = Object.entries(options.files).map(([path, content]) =>
    content === null ? { path, sha: null } : { path, content },
  );
  const author = options.author ?? repo.owner;
  const sha = repo.git.putCommit({
    tree: repo.git.applyChanges(base, changes),
    parents: [parent],
    message: options.message ?? `Update ${Object.keys(options.files).join(", ")}`,
    author: signature(core, author),
    committer: signature(core, author),
  });
  setRef(core, repo, ref, sha, { force: true, sender: author });
  return sha;
}

/** Resolves a branch name, full ref, `heads/x` or a sha to a commit sha; 404 when unknown. */
export function resolveRef(repo: SimRepo, ref: string): string {
  const candidates = [ref, `refs/${ref}`, `refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const c of candidates) {
    const sha = repo.refs.get(c);
    if (sha) return sha;
  }
  if (/^[0-9a-f]{40}$/.test(ref) && repo.git.commit(ref)) return ref;
  throw new ApiError(404, `No commit found for the ref ${ref}`);
}

/**
 * Moves (or creates) a ref. Without `force`, only a fast-forward is accepted (422 otherwise, as the
 * Git data API answers); a protected branch refuses non-fast-forward moves even with `force`.
 * Open pull requests whose head is this branch follow it (`synchronize`).
 */
export function setRef(
  core: StateCore,
  repo: SimRepo,
  ref: string,
  sha: string,
  options: { force: boolean; sender: SimUser },
): void {
  if (!repo.git.commit(sha)) {
    throw new ApiError(422, "Object does not exist", [
      { resource: "Reference", field: "sha", code: "invalid" },
    ]);
  }
  const before = repo.refs.get(ref);
  if (before === sha) return;
  const fastForward = before === undefined || repo.git.isAncestor(before, sha);
  const branch = ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
  if (!fastForward && branch !== null && repo.protectedBranches.has(branch)) {
    throw new ApiError(422, "Cannot force-push to this branch");
  }
  if (!fastForward && !options.force) throw new ApiError(422, "Update is not a fast forward");
  repo.refs.set(ref, sha);
  if (branch === null) return;
  repo.pushedAt = core.now();
  repo.updatedAt = repo.pushedAt;
  core.emit({
    name: "push",
    repo,
    ref,
    before: before ?? "0".repeat(40),
    after: sha,
    sender: options.sender,
  });
  synchronizePulls(core, repo, branch, sha, options.sender);
}

function synchronizePulls(
  core: StateCore,
  headRepo: SimRepo,
  branch: string,
  sha: string,
  sender: SimUser,
): void {
  for (const repo of core.repos.values()) {
    if (repo.git !== headRepo.git) continue;
    for (const issue of repo.issues.values()) {
      const pull = issue.pull;
      if (!pull || issue.state !== "open" || pull.headRepo !== headRepo || pull.headRef !== branch) continue;
      const before = pull.headSha;
      pull.headSha = sha;
      pull.baseSha = repo.refs.get(`refs/heads/${pull.baseRef}`) ?? pull.baseSha;
      repo.refs.set(`refs/pull/${issue.number}/head`, sha);
      issue.updatedAt = core.now();
      core.emit({
        name: "pull_request",
        action: "synchronize",
        repo,
        number: issue.number,
        sender,
        before,
        after: sha,
      });
    }
  }
}

/** True when `sha` is reachable from one of the repository's own branches or tags. */
export function commitInRepo(repo: SimRepo, sha: string): boolean {
  for (const [ref, tip] of repo.refs) {
    if (ref.startsWith("refs/pull/")) continue;
    if (repo.git.isAncestor(sha, tip)) return true;
  }
  return false;
}
