/**
 * Comments the app keeps one of per PR and purpose, found by a hidden marker among the app's
 * own comments only (a look-alike marker written by anyone else is ignored), across every page,
 * and edited only when the body changes.
 */
import type { AppIdentity, GitHubClient, RepoRef } from "./github-client.js";
import { botLogin } from "./github-client.js";

export interface MarkedComment {
  id: number;
  body: string;
}

/** The app's first comment on the issue or PR whose body starts with `marker`. */
export async function findMarkedComment(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  identity: AppIdentity,
  marker: string,
): Promise<MarkedComment | null> {
  const login = botLogin(identity);
  for await (const page of client.paginate.iterator(client.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  })) {
    for (const c of page.data) {
      const own = c.user?.login === login && c.user.type === "Bot";
      if (own && typeof c.body === "string" && c.body.startsWith(marker)) return { id: c.id, body: c.body };
    }
  }
  return null;
}

export type CommentOutcome = "created" | "updated" | "unchanged";

/**
 * Creates or edits the app's comment marked `marker`: `render` gets the earlier body (or null)
 * and returns the new one, which must start with the marker.
 */
export async function upsertMarkedComment(
  client: GitHubClient,
  repo: RepoRef,
  issueNumber: number,
  identity: AppIdentity,
  marker: string,
  render: (previousBody: string | null) => string,
): Promise<{ outcome: CommentOutcome; id: number; body: string }> {
  const existing = await findMarkedComment(client, repo, issueNumber, identity, marker);
  const body = render(existing?.body ?? null);
  if (!body.startsWith(marker)) throw new Error("a marked comment's body must start with its marker");
  if (existing === null) {
    const { data } = await client.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    return { outcome: "created", id: data.id, body };
  }
  if (existing.body === body) return { outcome: "unchanged", id: existing.id, body };
  await client.rest.issues.updateComment({ ...repo, comment_id: existing.id, body });
  return { outcome: "updated", id: existing.id, body };
}
