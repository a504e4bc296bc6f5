/**
 * The open pull requests a workflow run was for. The run's `pull_requests` list is empty for a
 * fork's PR, and commit -> pulls is empty for a commit that only exists in a fork, so the
 * reliable key is the head commit: open PRs whose head sha is the run's.
 */
import type { GitHubClient, RepoRef } from "./github-client.js";

/** Open PRs listed when narrowing by head branch found nothing (ten pages). */
const MAX_OPEN_PULLS = 1000;

export interface RunHead {
  headSha: string;
  /** The head branch and the login owning the head repository (the fork's owner for a fork PR). */
  headBranch: string | null;
  headOwner: string | null;
  /** PR numbers the payload listed (same-repository PRs only), to be read. */
  listed: number[];
  /**
   * PR numbers the payload listed with the run's head commit as their head: taken without a
   * read. (If such a PR has moved on since, the sticky comment's rules still keep the report
   * of its current head, and reading it here would not close that window either.)
   */
  known?: number[];
}

/** Numbers of the open PRs whose head is `head.headSha`, smallest first. */
export async function findPullRequestsForRun(
  client: GitHubClient,
  repo: RepoRef,
  head: RunHead,
): Promise<number[]> {
  const found = new Set<number>();
  const consider = (pulls: { number: number; state: string; head: { sha: string } }[]) => {
    for (const p of pulls) if (p.state === "open" && p.head.sha === head.headSha) found.add(p.number);
  };
  for (const number of head.known ?? []) found.add(number);
  for (const number of head.listed) {
    if (found.has(number)) continue;
    const { data } = await client.rest.pulls.get({ ...repo, pull_number: number });
    consider([data]);
  }
  if (found.size === 0 && head.headBranch && head.headOwner) {
    const { data } = await client.rest.pulls.list({
      ...repo,
      state: "open",
      head: `${head.headOwner}:${head.headBranch}`,
      per_page: 100,
    });
    consider(data);
  }
  if (found.size === 0) {
    let seen = 0;
    for await (const page of client.paginate.iterator(client.rest.pulls.list, {
      ...repo,
      state: "open",
      per_page: 100,
    })) {
      consider(page.data);
      seen += page.data.length;
      if (seen >= MAX_OPEN_PULLS) break;
    }
  }
  return [...found].sort((a, b) => a - b);
}
