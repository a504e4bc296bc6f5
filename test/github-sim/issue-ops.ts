import type { SimComment, SimIssue, SimLabel, SimRepo, SimUser } from "./model.js";
import { ApiError, type StateCore } from "./state-core.js";

/** Creates an issue (numbers are shared with pull requests, as on GitHub). */
export function createIssue(
  core: StateCore,
  repo: SimRepo,
  options: { title: string; body?: string | null; user: SimUser; labels?: string[] },
): SimIssue {
  const now = core.now();
  const id = core.id();
  const number = repo.issues.size + 1;
  const issue: SimIssue = {
    id,
    nodeId: core.nodeId("Issue", id),
    number,
    title: options.title,
    body: options.body ?? null,
    user: options.user,
    state: "open",
    stateReason: null,
    labels: [],
    commentIds: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  repo.issues.set(number, issue);
  for (const name of options.labels ?? []) issue.labels.push(ensureLabel(core, repo, name).name);
  core.emit({ name: "issues", action: "opened", repo, number, sender: options.user });
  return issue;
}

/** Updates title, body or state of an issue (or of a pull request through the issues API). */
export function updateIssue(
  core: StateCore,
  repo: SimRepo,
  number: number,
  changes: {
    title?: string;
    body?: string | null;
    state?: "open" | "closed";
    stateReason?: SimIssue["stateReason"];
  },
  by: SimUser,
): SimIssue {
  const issue = core.issue(repo, number);
  const now = core.now();
  if (changes.title !== undefined) issue.title = changes.title;
  if (changes.body !== undefined) issue.body = changes.body;
  if (changes.state && changes.state !== issue.state) {
    if (issue.pull?.merged)
      throw new ApiError(422, "Validation Failed", [{ resource: "Issue", field: "state", code: "invalid" }]);
    issue.state = changes.state;
    issue.closedAt = changes.state === "closed" ? now : null;
    issue.stateReason = changes.stateReason ?? (changes.state === "closed" ? "completed" : "reopened");
    const action = changes.state === "closed" ? "closed" : "reopened";
    core.emit(
      issue.pull
        ? { name: "pull_request", action, repo, number, sender: by }
        : { name: "issues", action, repo, number, sender: by },
    );
  } else if (changes.title !== undefined || changes.body !== undefined) {
    core.emit(
      issue.pull
        ? { name: "pull_request", action: "edited", repo, number, sender: by }
        : { name: "issues", action: "edited", repo, number, sender: by },
    );
  }
  issue.updatedAt = now;
  return issue;
}

/** Finds a label by name ignoring case, creating it (grey) when the repository has none such, as GitHub does. */
export function ensureLabel(core: StateCore, repo: SimRepo, name: string): SimLabel {
  const existing = repo.labels.get(name.toLowerCase());
  if (existing) return existing;
  const id = core.id();
  const label: SimLabel = { id, nodeId: core.nodeId("Label", id), name, color: "ededed", description: null };
  repo.labels.set(name.toLowerCase(), label);
  return label;
}

/** Adds labels; each one newly on the issue emits `labeled`. Returns the issue's labels. */
export function addLabels(
  core: StateCore,
  repo: SimRepo,
  number: number,
  names: string[],
  by: SimUser,
): SimLabel[] {
  const issue = core.issue(repo, number);
  for (const name of names) {
    const label = ensureLabel(core, repo, name);
    if (issue.labels.some((l) => l.toLowerCase() === label.name.toLowerCase())) continue;
    issue.labels.push(label.name);
    issue.updatedAt = core.now();
    core.emit(
      issue.pull
        ? { name: "pull_request", action: "labeled", repo, number, sender: by, label }
        : { name: "issues", action: "labeled", repo, number, sender: by, label },
    );
  }
  return labelsOf(repo, issue);
}

/** Removes one label; 404 "Label does not exist" when it is not on the issue, as GitHub answers. */
export function removeLabel(
  core: StateCore,
  repo: SimRepo,
  number: number,
  name: string,
  by: SimUser,
): SimLabel[] {
  const issue = core.issue(repo, number);
  const index = issue.labels.findIndex((l) => l.toLowerCase() === name.toLowerCase());
  if (index < 0) throw new ApiError(404, "Label does not exist");
  const [removed] = issue.labels.splice(index, 1);
  const label = repo.labels.get((removed ?? name).toLowerCase());
  issue.updatedAt = core.now();
  if (label) {
    core.emit(
      issue.pull
        ? { name: "pull_request", action: "unlabeled", repo, number, sender: by, label }
        : { name: "issues", action: "unlabeled", repo, number, sender: by, label },
    );
  }
  return labelsOf(repo, issue);
}

export function labelsOf(repo: SimRepo, issue: SimIssue): SimLabel[] {
  return issue.labels
    .map((name) => repo.labels.get(name.toLowerCase()))
    .filter((l): l is SimLabel => l !== undefined);
}

/** Adds a comment to an issue or pull request. */
export function createComment(
  core: StateCore,
  repo: SimRepo,
  number: number,
  body: string,
  user: SimUser,
): SimComment {
  const issue = core.issue(repo, number);
  const now = core.now();
  const id = core.id();
  const comment: SimComment = {
    id,
    nodeId: core.nodeId("IssueComment", id),
    issueNumber: number,
    body,
    user,
    createdAt: now,
    updatedAt: now,
  };
  repo.comments.set(id, comment);
  core.markWritten(comment);
  issue.commentIds.push(id);
  issue.updatedAt = now;
  core.emit({
    name: "issue_comment",
    action: "created",
    repo,
    number,
    comment: { ...comment },
    sender: user,
  });
  return comment;
}

export function comment(repo: SimRepo, id: number): SimComment {
  const c = repo.comments.get(id);
  if (!c) throw new ApiError(404, "Not Found");
  return c;
}

export function updateComment(
  core: StateCore,
  repo: SimRepo,
  id: number,
  body: string,
  by: SimUser,
): SimComment {
  const c = comment(repo, id);
  c.body = body;
  c.updatedAt = core.now();
  core.emit({
    name: "issue_comment",
    action: "edited",
    repo,
    number: c.issueNumber,
    comment: { ...c },
    sender: by,
  });
  return c;
}

export function deleteComment(core: StateCore, repo: SimRepo, id: number, by: SimUser): void {
  const c = comment(repo, id);
  repo.comments.delete(id);
  const issue = core.issue(repo, c.issueNumber);
  issue.commentIds = issue.commentIds.filter((x) => x !== id);
  core.emit({
    name: "issue_comment",
    action: "deleted",
    repo,
    number: c.issueNumber,
    comment: { ...c },
    sender: by,
  });
}
