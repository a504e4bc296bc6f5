import { labelsOf } from "./issue-ops.js";
import type { SimComment, SimIssue, SimRepo } from "./model.js";
import { authorAssociation, renderApp, renderLabel, renderRepo, renderUser } from "./render-core.js";
import type { StateCore } from "./state-core.js";

/** REST representations of issues, pull requests and issue comments. */

export function renderIssue(core: StateCore, repo: SimRepo, issue: SimIssue): Record<string, unknown> {
  const repoUrl = `${core.apiUrl}/repos/${repo.fullName}`;
  const url = `${repoUrl}/issues/${issue.number}`;
  const htmlKind = issue.pull ? "pull" : "issues";
  return {
    id: issue.id,
    node_id: issue.nodeId,
    url,
    repository_url: repoUrl,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${core.serverUrl}/${repo.fullName}/${htmlKind}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: renderUser(core, issue.user),
    labels: labelsOf(repo, issue).map((l) => renderLabel(core, repo, l)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.commentIds.length,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: authorAssociation(repo, issue.user),
    ...(issue.pull
      ? {
          pull_request: {
            url: `${repoUrl}/pulls/${issue.number}`,
            html_url: `${core.serverUrl}/${repo.fullName}/pull/${issue.number}`,
            diff_url: `${core.serverUrl}/${repo.fullName}/pull/${issue.number}.diff`,
            patch_url: `${core.serverUrl}/${repo.fullName}/pull/${issue.number}.patch`,
            merged_at: issue.pull.mergedAt,
          },
        }
      : {}),
  };
}

/** `pull-request-simple`: what list endpoints return. */
export function renderPullSimple(core: StateCore, repo: SimRepo, issue: SimIssue): Record<string, unknown> {
  const pull = issue.pull;
  if (!pull) throw new Error(`#${issue.number} is not a pull request`);
  const url = `${core.apiUrl}/repos/${repo.fullName}/pulls/${issue.number}`;
  const issueUrl = `${core.apiUrl}/repos/${repo.fullName}/issues/${issue.number}`;
  const html = `${core.serverUrl}/${repo.fullName}/pull/${issue.number}`;
  const statuses = `${core.apiUrl}/repos/${repo.fullName}/statuses/${pull.headSha}`;
  const side = (r: SimRepo, ref: string, sha: string) => ({
    label: `${r.owner.login}:${ref}`,
    ref,
    sha,
    user: renderUser(core, r.owner),
    repo: renderRepo(core, r),
  });
  return {
    url,
    id: issue.id,
    node_id: issue.nodeId,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${core.apiUrl}/repos/${repo.fullName}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: statuses,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: renderUser(core, issue.user),
    body: issue.body,
    // The description of pull-request-simple types a label's description as a string (not null).
    labels: labelsOf(repo, issue).map((l) => ({
      ...renderLabel(core, repo, l),
      description: l.description ?? "",
    })),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.headRepo, pull.headRef, pull.headSha),
    base: side(repo, pull.baseRef, pull.baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${core.apiUrl}/repos/${repo.fullName}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statuses },
    },
    author_association: authorAssociation(repo, issue.user),
    auto_merge: null,
    draft: pull.draft,
  };
}

/** `pull-request`: the single-PR representation, with merge state and counts. */
export function renderPull(core: StateCore, repo: SimRepo, issue: SimIssue): Record<string, unknown> {
  const pull = issue.pull;
  if (!pull) throw new Error(`#${issue.number} is not a pull request`);
  const changed = changedFiles(repo, pull.baseSha, pull.headSha);
  return {
    ...renderPullSimple(core, repo, issue),
    merged: pull.merged,
    mergeable: issue.state === "open" ? true : null,
    rebaseable: issue.state === "open" ? true : null,
    mergeable_state: issue.state === "open" ? "clean" : "unknown",
    merged_by: pull.mergedBy ? renderUser(core, pull.mergedBy) : null,
    comments: issue.commentIds.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: commitCount(repo, pull.baseSha, pull.headSha),
    additions: changed,
    deletions: 0,
    changed_files: changed,
  };
}

function changedFiles(repo: SimRepo, base: string, head: string): number {
  const files = (sha: string) => {
    const tree = repo.git.commit(sha)?.tree;
    return tree ? repo.git.listFiles(tree) : new Map();
  };
  const [a, b] = [files(base), files(head)];
  let n = 0;
  for (const path of new Set([...a.keys(), ...b.keys()])) if (a.get(path)?.sha !== b.get(path)?.sha) n++;
  return n;
}

function commitCount(repo: SimRepo, base: string, head: string): number {
  let n = 0;
  const queue = [head];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const sha = queue.pop() as string;
    if (seen.has(sha) || repo.git.isAncestor(sha, base)) continue;
    seen.add(sha);
    n++;
    queue.push(...(repo.git.commit(sha)?.parents ?? []));
  }
  return n;
}

export function renderComment(core: StateCore, repo: SimRepo, comment: SimComment): Record<string, unknown> {
  const issue = repo.issues.get(comment.issueNumber);
  const kind = issue?.pull ? "pull" : "issues";
  return {
    id: comment.id,
    node_id: comment.nodeId,
    url: `${core.apiUrl}/repos/${repo.fullName}/issues/comments/${comment.id}`,
    html_url: `${core.serverUrl}/${repo.fullName}/${kind}/${comment.issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${core.apiUrl}/repos/${repo.fullName}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: renderUser(core, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: authorAssociation(repo, comment.user),
    performed_via_github_app: appBehind(core, comment.user),
  };
}

/** The app whose bot user wrote something, as GitHub records it (`performed_via_github_app`). */
function appBehind(core: StateCore, user: SimComment["user"]): Record<string, unknown> | null {
  const app = [...core.apps.values()].find((a) => a.bot.id === user.id);
  return app ? renderApp(core, app) : null;
}
