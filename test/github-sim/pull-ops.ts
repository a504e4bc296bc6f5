import type { GitStore, TreeEntry } from "./git-store.js";
import type { SimIssue, SimRepo, SimUser } from "./model.js";
import { resolveRef, setRef, signature } from "./repo-ops.js";
import { ApiError, type StateCore } from "./state-core.js";

/** Options of `openPullRequest`. */
export interface OpenPullOptions {
  /** Branch of the head: in `headRepo` (default: the base repository). `owner:branch` names a fork. */
  head: string;
  /** The fork (or same repository) the head branch lives in. */
  headRepo?: SimRepo;
  base?: string;
  title?: string;
  body?: string | null;
  user: SimUser;
  draft?: boolean;
}

/** Opens a pull request, validating as GitHub does (422 for a duplicate or an empty diff). */
export function openPullRequest(core: StateCore, repo: SimRepo, options: OpenPullOptions): SimIssue {
  let headRepo = options.headRepo ?? repo;
  let headRef = options.head;
  const colon = headRef.indexOf(":");
  if (colon >= 0) {
    const owner = headRef.slice(0, colon);
    headRef = headRef.slice(colon + 1);
    if (!options.headRepo) {
      headRepo =
        [...core.repos.values()].find(
          (r) => r.git === repo.git && r.owner.login.toLowerCase() === owner.toLowerCase(),
        ) ?? headRepo;
    }
  }
  const base = options.base ?? repo.defaultBranch;
  const invalid = (field: string, message?: string) =>
    new ApiError(422, "Validation Failed", [
      {
        resource: "PullRequest",
        field,
        code: message ? "custom" : "invalid",
        ...(message ? { message } : {}),
      },
    ]);
  const headSha = headRepo.refs.get(`refs/heads/${headRef}`);
  if (!headSha || headRepo.git !== repo.git) throw invalid("head");
  const baseSha = repo.refs.get(`refs/heads/${base}`);
  if (!baseSha) throw invalid("base");
  for (const other of repo.issues.values()) {
    const p = other.pull;
    if (
      p &&
      other.state === "open" &&
      p.headRepo === headRepo &&
      p.headRef === headRef &&
      p.baseRef === base
    ) {
      throw invalid("", `A pull request already exists for ${headRepo.owner.login}:${headRef}.`);
    }
  }
  if (repo.git.isAncestor(headSha, baseSha)) throw invalid("", `No commits between ${base} and ${headRef}`);
  const now = core.now();
  const id = core.id();
  const number = repo.issues.size + 1;
  const issue: SimIssue = {
    id,
    nodeId: core.nodeId("PullRequest", id),
    number,
    title: options.title ?? headRef,
    body: options.body ?? null,
    user: options.user,
    state: "open",
    stateReason: null,
    labels: [],
    commentIds: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    pull: {
      headRepo,
      headRef,
      headSha,
      baseRef: base,
      baseSha,
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      draft: options.draft ?? false,
    },
  };
  repo.issues.set(number, issue);
  repo.refs.set(`refs/pull/${number}/head`, headSha);
  core.emit({ name: "pull_request", action: "opened", repo, number, sender: options.user });
  return issue;
}

/** Options of `mergePullRequest`. */
export interface MergePullOptions {
  by: SimUser;
  method?: "merge" | "squash" | "rebase";
  /** Head sha the caller expects; 409 when the head moved. */
  sha?: string;
  commitTitle?: string;
  commitMessage?: string;
}

/**
 * Merges like GitHub: a three-way merge of the head into the base branch (405 on a conflict or a
 * closed PR, 409 when `sha` is not the head). `merge` makes a two-parent commit; `squash` and `rebase`
 * both make one single-parent commit (the simulator does not replay commits one by one).
 */
export function mergePullRequest(
  core: StateCore,
  repo: SimRepo,
  number: number,
  options: MergePullOptions,
): string {
  const issue = core.pull(repo, number);
  const pull = issue.pull;
  if (issue.state !== "open" || pull.merged) throw new ApiError(405, "Pull Request is not mergeable");
  if (options.sha && options.sha !== pull.headSha) {
    throw new ApiError(409, "Head branch was modified. Review and try the merge again.");
  }
  const baseRef = `refs/heads/${pull.baseRef}`;
  const baseTip = resolveRef(repo, baseRef);
  const tree = mergeTrees(repo.git, baseTip, pull.headSha);
  if (!tree) throw new ApiError(405, "Pull Request is not mergeable");
  const method = options.method ?? "merge";
  const title =
    options.commitTitle ??
    (method === "merge"
      ? `Merge pull request #${number} from ${pull.headRepo.owner.login}/${pull.headRef}`
      : `${issue.title} (#${number})`);
  const message = options.commitMessage ? `${title}\n\n${options.commitMessage}` : title;
  const sha = repo.git.putCommit({
    tree,
    parents: method === "merge" ? [baseTip, pull.headSha] : [baseTip],
    message,
    author: signature(core, method === "merge" ? options.by : issue.user),
    committer: signature(core, options.by),
  });
  setRef(core, repo, baseRef, sha, { force: false, sender: options.by });
  const now = core.now();
  Object.assign(pull, { merged: true, mergedAt: now, mergedBy: options.by, mergeCommitSha: sha });
  Object.assign(issue, { state: "closed", closedAt: now, updatedAt: now });
  core.emit({ name: "pull_request", action: "closed", repo, number, sender: options.by });
  return sha;
}

/** Closes or reopens a pull request without merging. */
export function setPullState(
  core: StateCore,
  repo: SimRepo,
  number: number,
  state: "open" | "closed",
  by: SimUser,
): void {
  const issue = core.pull(repo, number);
  if (issue.state === state) return;
  if (issue.pull.merged)
    throw new ApiError(422, "Validation Failed", [
      { resource: "PullRequest", field: "state", code: "invalid" },
    ]);
  const now = core.now();
  Object.assign(issue, { state, closedAt: state === "closed" ? now : null, updatedAt: now });
  core.emit({
    name: "pull_request",
    action: state === "closed" ? "closed" : "reopened",
    repo,
    number,
    sender: by,
  });
}

/**
 * The commit GitHub tests a PR on: the head merged into the base tip, stored as `refs/pull/N/merge`
 * without moving any branch. Undefined when the PR does not merge cleanly.
 */
export function testMergeCommit(core: StateCore, repo: SimRepo, number: number): string | undefined {
  const issue = core.pull(repo, number);
  const pull = issue.pull;
  const baseTip = repo.refs.get(`refs/heads/${pull.baseRef}`);
  const tree = baseTip ? mergeTrees(repo.git, baseTip, pull.headSha) : undefined;
  if (!baseTip || !tree) {
    repo.refs.delete(`refs/pull/${number}/merge`);
    return undefined;
  }
  const by = issue.user;
  const sha = repo.git.putCommit({
    tree,
    parents: [baseTip, pull.headSha],
    message: `Merge ${pull.headSha} into ${baseTip}`,
    author: signature(core, by),
    committer: signature(core, by),
  });
  repo.refs.set(`refs/pull/${number}/merge`, sha);
  return sha;
}

/** The nearest common ancestor of two commits (breadth-first from `b`), or undefined. */
export function mergeBase(git: GitStore, a: string, b: string): string | undefined {
  const queue = [b];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const sha = queue.shift() as string;
    if (seen.has(sha)) continue;
    seen.add(sha);
    if (git.isAncestor(sha, a)) return sha;
    queue.push(...(git.commit(sha)?.parents ?? []));
  }
  return undefined;
}

/** Three-way merge of file lists; undefined on a conflict (both sides changed a path differently). */
function mergeTrees(git: GitStore, baseTip: string, head: string): string | undefined {
  const ancestor = mergeBase(git, baseTip, head);
  const files = (sha: string | undefined) => {
    const tree = sha ? git.commit(sha)?.tree : undefined;
    return tree ? git.listFiles(tree) : new Map<string, TreeEntry>();
  };
  const [o, ours, theirs] = [files(ancestor), files(baseTip), files(head)];
  const result = new Map(ours);
  for (const path of new Set([...o.keys(), ...theirs.keys()])) {
    const [was, mine, their] = [o.get(path)?.sha, ours.get(path)?.sha, theirs.get(path)?.sha];
    if (their === was || their === mine) continue;
    if (mine !== was) return undefined;
    const entry = theirs.get(path);
    if (entry) result.set(path, entry);
    else result.delete(path);
  }
  return git.writeFiles(result);
}
