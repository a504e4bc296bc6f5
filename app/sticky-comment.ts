/**
 * The sticky comment under concurrent, duplicated and out-of-order deliveries (issue 28; the
 * rules and why they converge are in app/README.md, "Convergence").
 *
 * A report never overwrites another: each newer report is a new comment carrying its version
 * (run id, attempt, head commit) in a hidden line, and the older comments are deleted. Comments
 * are only ever added or removed, so whatever order writes land in, the newest report's comment
 * is still there, and every other one has a writer that sees it beside a better one and deletes it.
 */
import type { AppIdentity, GitHubClient, RepoRef } from "./github-client.js";
import { botLogin, statusOf } from "./github-client.js";
import { COMMENT_MARKER } from "./plan-comment.js";
import { listUntilShown, type ListingWait } from "./read-your-write.js";
import { compareVersions, readVersionLine, versionLine, type ReportVersion } from "./report-version.js";

/** One of the app's sticky comments on a PR. */
export interface OwnSticky {
  id: number;
  body: string;
  version: ReportVersion | null;
}

/** How a PR's own sticky comments are listed and added: graphql-publication.ts, over GraphQL with REST fallbacks. */
export interface CommentChannel {
  list(number: number): Promise<OwnSticky[]>;
  create(number: number, body: string): Promise<number>;
}

/** Whether a comment is one of the app's sticky comments. */
export function isOwnSticky(
  author: { login: string; bot: boolean } | null,
  body: unknown,
  login: string,
): boolean {
  return (
    author !== null &&
    author.bot &&
    author.login === login &&
    typeof body === "string" &&
    body.startsWith(COMMENT_MARKER)
  );
}

/** What publishing did: created a comment, or found one as new or newer already there. */
export interface StickyOutcome {
  outcome: "created" | "unchanged" | "superseded";
  /** The comment this report lives in, when known. */
  id: number | null;
  /** Comments deleted as older reports or duplicates. */
  deleted: number[];
}

/** Every sticky comment the app wrote on the PR (every page), oldest first. */
export async function listOwnStickies(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  identity: AppIdentity,
): Promise<OwnSticky[]> {
  const login = botLogin(identity);
  const found: OwnSticky[] = [];
  for await (const page of client.paginate.iterator(client.rest.issues.listComments, {
    ...repo,
    issue_number: number,
    per_page: 100,
  })) {
    for (const c of page.data) {
      const author = c.user ? { login: c.user.login, bot: c.user.type === "Bot" } : null;
      if (isOwnSticky(author, c.body, login)) found.push(ownSticky(c.id, c.body!));
    }
  }
  return found.sort((a, b) => a.id - b.id);
}

/** A sticky comment as listed, its version read from its hidden line. */
export function ownSticky(id: number, body: string): OwnSticky {
  return { id, body, version: readVersionLine(body) };
}

/**
 * Whether `a` should be kept over `b` on a PR whose head is `headSha`: a report for the head
 * first, then the newer report, then (the same report twice) the older comment.
 */
function better(a: OwnSticky, b: OwnSticky, headSha: string): boolean {
  const onHead = (c: OwnSticky) => (c.version?.headSha === headSha ? 1 : 0);
  if (onHead(a) !== onHead(b)) return onHead(a) > onHead(b);
  if (a.version === null || b.version === null) {
    if ((a.version === null) !== (b.version === null)) return b.version === null;
  } else {
    const order = compareVersions(a.version, b.version);
    if (order !== 0) return order > 0;
  }
  return a.id < b.id;
}

/** The comment the rules keep among `comments` for a PR whose head is `headSha`. */
export function keeperOf(comments: readonly OwnSticky[], headSha: string): OwnSticky | undefined {
  let best: OwnSticky | undefined;
  for (const c of comments) if (best === undefined || better(c, best, headSha)) best = c;
  return best;
}

/** The body with its version line after the marker. */
function versioned(body: string, version: ReportVersion): string {
  if (!body.startsWith(COMMENT_MARKER)) throw new Error("a sticky comment's body must start with its marker");
  return `${COMMENT_MARKER}\n${versionLine(version)}${body.slice(COMMENT_MARKER.length)}`;
}

/** The listed comments holding the report of `version`'s head at `version` or newer. */
function asNewAs(seen: readonly OwnSticky[], version: ReportVersion): OwnSticky[] {
  return seen.filter(
    (c) => c.version?.headSha === version.headSha && compareVersions(c.version, version) >= 0,
  );
}

/** Whether publishing `version` over the listing `seen` would create a comment (and so needs the report). */
export function stickyNeedsReport(seen: readonly OwnSticky[], version: ReportVersion): boolean {
  return asNewAs(seen, version).length === 0;
}

/**
 * Whether the listing `seen` holds a newer report for another head than `version`'s: then the PR
 * has most likely moved on, and its head is worth reading before writing an older head's report.
 */
export function newerOnAnotherHead(seen: readonly OwnSticky[], version: ReportVersion): boolean {
  return seen.some(
    (c) =>
      c.version !== null && c.version.headSha !== version.headSha && compareVersions(c.version, version) > 0,
  );
}

/**
 * Publishes the report of `version` on PR `number`, whose head the caller found to be
 * `version.headSha`: `render` gets the body of the comment kept so far (for the history) and
 * returns the new body. Then deletes every own sticky comment but the one the rules keep.
 * `listed` is a listing of the PR's own sticky comments the caller just made (saves one).
 */
export async function publishStickyComment(
  client: GitHubClient,
  repo: RepoRef,
  number: number,
  channel: CommentChannel,
  version: ReportVersion,
  render: (previousBody: string | null) => string,
  wait: ListingWait = {},
  listed?: OwnSticky[],
): Promise<StickyOutcome> {
  const list = () => channel.list(number);
  const seen = listed ?? (await list());
  const asNew = asNewAs(seen, version);
  let listing: OwnSticky[] | null = seen;
  let result: Omit<StickyOutcome, "deleted">;
  if (asNew.length === 0) {
    const previous = keeperOf(seen, version.headSha);
    const body = versioned(render(previous?.body ?? null), version);
    const id = await channel.create(number, body);
    result = { outcome: "created", id };
    // Act only on a listing that shows this comment or a later one: it shows every comment
    // created before. If another writer deleted this comment, that writer saw a better one and
    // deleted every worse one created before it: nothing is left for this writer to do.
    listing = await listUntilShown(
      list,
      (items) => items.some((c) => c.id >= id),
      wait,
      async () => {
        try {
          await client.rest.issues.getComment({ ...repo, comment_id: id });
          return false;
        } catch (error) {
          if (statusOf(error) === 404) return true;
          throw error;
        }
      },
    );
  } else {
    const same = asNew.find((c) => compareVersions(c.version!, version) === 0);
    result = same ? { outcome: "unchanged", id: same.id } : { outcome: "superseded", id: null };
    // Cleaning up is the creators' duty (README); a reader helps only when it saw more than one.
    if (seen.length <= 1) listing = null;
  }
  if (listing === null || listing.length <= 1) return { ...result, deleted: [] };
  // The head is read after the listing, so it is at least as new as any head a listed comment
  // names. When every listed comment names one head, the keeper is the same whatever the PR's
  // head is, and the read is skipped.
  const heads = new Set(listing.map((c) => c.version?.headSha ?? null));
  const only = heads.size === 1 ? [...heads][0] : null;
  const head =
    typeof only === "string"
      ? only
      : (await client.rest.pulls.get({ ...repo, pull_number: number })).data.head.sha;
  const keeper = keeperOf(listing, head);
  const deleted: number[] = [];
  for (const c of listing) {
    if (c.id === keeper?.id) continue;
    try {
      await client.rest.issues.deleteComment({ ...repo, comment_id: c.id });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    deleted.push(c.id);
  }
  return { ...result, deleted };
}
