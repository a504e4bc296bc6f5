import type {
  SimApp,
  SimCheckRun,
  SimCheckSuite,
  SimComment,
  SimIssue,
  SimRepo,
  SimUser,
  TokenGrant,
} from "./model.js";
import { ApiError, type StateCore } from "./state-core.js";
import { authorize, type Need } from "./tokens.js";

/**
 * What GraphQL resolvers pass around: simulator state tagged with the schema type it stands for
 * (the tag is also what interfaces such as `Actor`, `GitObject` and `Node` resolve to).
 */
export type Source =
  | { __typename: "Repository"; repo: SimRepo }
  | { __typename: "Ref"; repo: SimRepo; name: string; sha: string }
  | { __typename: "Commit" | "Tree" | "Blob"; repo: SimRepo; oid: string }
  | { __typename: "PullRequest" | "Issue"; repo: SimRepo; issue: SimIssue }
  | { __typename: "IssueComment"; repo: SimRepo; comment: SimComment }
  | { __typename: "User" | "Bot" | "Organization"; user: SimUser }
  | { __typename: "CheckSuite"; repo: SimRepo; suite: SimCheckSuite }
  | { __typename: "CheckRun"; repo: SimRepo; run: SimCheckRun }
  | { __typename: "App"; app: SimApp };

/** The source of one type (members tagged with several names count for each). */
export type SourceOf<N extends Source["__typename"]> = Source extends infer S
  ? S extends { __typename: infer T }
    ? N extends T
      ? S
      : never
    : never
  : never;

/** What every resolver gets: the state and the (authenticated) caller. */
export interface GraphQLContext {
  state: StateCore;
  grant: TokenGrant;
  /** Mutation fields an injected fault makes fail (faults.ts, `graphql-field-error`). */
  failFields?: readonly string[];
}

/** An error GitHub itself answers with (`type` as GitHub names it); not a violation. */
export class GitHubGraphQLError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = "GitHubGraphQLError";
  }
}

/** A part of GitHub's schema the simulator does not back with state: a violation, never a made-up value. */
export class UnsupportedGraphQLError extends Error {
  constructor(readonly what: string) {
    super(`github-sim: unsupported GraphQL ${what}`);
    this.name = "UnsupportedGraphQLError";
  }
}

/** GitHub's GraphQL error type for a REST-style refusal from the shared state operations. */
export function fromApiError(e: ApiError, notFound: string): GitHubGraphQLError {
  if (e.status === 404) return new GitHubGraphQLError("NOT_FOUND", notFound);
  if (e.status === 403 || e.status === 401) return new GitHubGraphQLError("FORBIDDEN", e.message);
  return new GitHubGraphQLError("UNPROCESSABLE", e.message);
}

/** `authorize` as GraphQL reports it: NOT_FOUND where the repository is invisible, FORBIDDEN otherwise. */
export function guard(ctx: GraphQLContext, repo: SimRepo, need: Need): void {
  try {
    authorize(ctx.grant, repo, need);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    throw fromApiError(e, `Could not resolve to a Repository with the name '${repo.fullName}'.`);
  }
}

export const READ = {
  metadata: { permission: "metadata", access: "read" },
  contents: { permission: "contents", access: "read" },
  pulls: { permission: "pull_requests", access: "read" },
  comments: { permission: ["issues", "pull_requests"], access: "read" },
  checks: { permission: "checks", access: "read" },
} as const satisfies Record<string, Need>;

export const WRITE = {
  // Anyone who can read may comment; a token still needs issues or pull_requests write (as REST).
  comment: { permission: ["issues", "pull_requests"], access: "write", role: "read" },
  checks: { permission: "checks", access: "write", appOnly: true },
} as const satisfies Record<string, Need>;

/** Throws for keys of an input object the simulator does not model. */
export function only(value: object | null | undefined, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value ?? {})) {
    if (!allowed.includes(key)) throw new UnsupportedGraphQLError(`input field ${where}.${key}`);
  }
}

/** Finds what a REST `node_id` names (`0<len>:<Kind><id>` in base64, as the simulator issues them). */
export function nodeById(state: StateCore, id: string): Source | undefined {
  const text = Buffer.from(id, "base64").toString("utf8");
  const m = /^0(\d+):(.*)$/.exec(text);
  if (!m?.[1] || m[2] === undefined) return undefined;
  const kind = m[2].slice(0, Number(m[1]));
  const databaseId = Number(m[2].slice(Number(m[1])));
  if (!Number.isInteger(databaseId)) return undefined;
  for (const repo of state.repos.values()) {
    if (kind === "Repository" && repo.id === databaseId) return { __typename: "Repository", repo };
    if (kind === "IssueComment" && repo.comments.has(databaseId))
      return { __typename: "IssueComment", repo, comment: repo.comments.get(databaseId) as SimComment };
    if (kind === "PullRequest" || kind === "Issue") {
      const issue = [...repo.issues.values()].find((i) => i.id === databaseId);
      if (issue) return { __typename: issue.pull ? "PullRequest" : "Issue", repo, issue };
    }
  }
  return undefined;
}

export const unresolvedNode = (id: string) =>
  new GitHubGraphQLError("NOT_FOUND", `Could not resolve to a node with the global id of '${id}'`);

/** An actor as GraphQL shows it: a GitHub App's bot is a `Bot` whose login is the slug, without `[bot]`. */
export function actorSource(user: SimUser): Source {
  return { __typename: user.type, user };
}

export function actorLogin(user: SimUser): string {
  return user.type === "Bot" ? user.login.replace(/\[bot\]$/, "") : user.login;
}

/** Forward pagination arguments of a connection. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** An opaque cursor naming an item by database id. */
export const cursorOf = (id: number): string => Buffer.from(`cursor:v2:${id}`).toString("base64");

function idOfCursor(cursor: string): number | undefined {
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  return m?.[1] ? Number(m[1]) : undefined;
}

/**
 * A connection over `items` (ordered by database id): GitHub's cursor pagination forwards, `first`
 * required and at most 100, cursors that stay valid when items are added. `last`/`before` are not modelled.
 */
export function connection<T extends { id: number }>(
  items: T[],
  args: PageArgs,
  field: string,
  wrap: (item: T) => Source,
): Record<string, unknown> {
  if (args.last != null || args.before != null)
    throw new UnsupportedGraphQLError(`backward pagination (last/before) of ${field}`);
  const name = field.split(".").pop() ?? field;
  if (args.first == null)
    throw new GitHubGraphQLError(
      "MISSING_PAGINATION_BOUNDARIES",
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
    );
  if (args.first > 100)
    throw new GitHubGraphQLError(
      "EXCESSIVE_PAGINATION",
      `Requesting ${args.first} records on the \`${name}\` connection exceeds the \`first\` limit of 100 records.`,
    );
  let start = 0;
  if (args.after != null) {
    const after = idOfCursor(args.after);
    if (after === undefined)
      throw new GitHubGraphQLError(
        "INVALID_CURSOR_ARGUMENTS",
        "`after` does not appear to be a valid cursor.",
      );
    start = items.findIndex((item) => item.id > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + Math.max(args.first, 0));
  const edges = page.map((item) => ({ cursor: cursorOf(item.id), node: wrap(item) }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    totalCount: items.length,
    pageInfo: {
      hasNextPage: start + page.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
