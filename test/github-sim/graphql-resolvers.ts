import type { GraphQLFieldResolver, GraphQLTypeResolver } from "graphql";
import type { SimCheckRun, SimComment, SimIssue, SimRepo } from "./model.js";
import { graphqlMutations } from "./graphql-mutations.js";
import {
  actorLogin,
  actorSource,
  connection,
  GitHubGraphQLError,
  guard,
  nodeById,
  only,
  READ,
  UnsupportedGraphQLError,
  unresolvedNode,
  type GraphQLContext,
  type PageArgs,
  type Source,
  type SourceOf,
} from "./graphql-nodes.js";

type Args = Record<string, unknown>;
type Resolve<S> = (source: S, args: Args, ctx: GraphQLContext) => unknown;
/** A field's resolver and the arguments it models (any other argument given is a violation). */
type Field<S> = Resolve<S> | { args: readonly string[]; resolve: Resolve<S> };
type Fields = Record<string, Field<never>>;

/** Declares the fields of one object type over its source. */
function fields<N extends Source["__typename"]>(_type: N, table: Record<string, Field<SourceOf<N>>>): Fields {
  return table as Fields;
}

const PAGE = ["first", "after", "last", "before"] as const;
const upper = (value: string | null) => (value === null ? null : value.toUpperCase());

function repository(ctx: GraphQLContext, owner: string, name: string): Source {
  const repo = ctx.state.repos.get(`${owner}/${name}`.toLowerCase());
  if (!repo)
    throw new GitHubGraphQLError(
      "NOT_FOUND",
      `Could not resolve to a Repository with the name '${owner}/${name}'.`,
    );
  guard(ctx, repo, READ.metadata);
  return { __typename: "Repository", repo };
}

/** `Repository.ref(qualifiedName)`: a full ref name, or a branch or tag name as GitHub also accepts. */
function ref(repo: SimRepo, qualifiedName: string): Source | null {
  for (const name of [qualifiedName, `refs/heads/${qualifiedName}`, `refs/tags/${qualifiedName}`]) {
    const sha = repo.refs.get(name);
    if (sha) return { __typename: "Ref", repo, name, sha };
  }
  return null;
}

function gitObject(repo: SimRepo, oid: string): Source | null {
  const o = repo.git.get(oid);
  if (!o) return null;
  return { __typename: o.type === "commit" ? "Commit" : o.type === "tree" ? "Tree" : "Blob", repo, oid };
}

/** Check runs of a suite as `CheckSuite.checkRuns(filterBy)` selects them: LATEST (default) keeps one per name. */
function filterCheckRuns(
  ctx: GraphQLContext,
  s: SourceOf<"CheckSuite">,
  filterBy: Args | null,
): SimCheckRun[] {
  only(filterBy, ["appId", "checkName", "checkType", "status", "statuses", "conclusions"], "CheckRunFilter");
  const f = (filterBy ?? {}) as {
    appId?: number | null;
    checkName?: string | null;
    checkType?: "ALL" | "LATEST" | null;
    status?: string | null;
    statuses?: string[] | null;
    conclusions?: string[] | null;
  };
  const statuses = f.statuses ?? (f.status ? [f.status] : null);
  let runs = s.repo.checkRuns.filter(
    (r) =>
      r.checkSuiteId === s.suite.id &&
      ctx.state.listed(r) &&
      (f.appId == null || r.app?.id === f.appId) &&
      (f.checkName == null || r.name === f.checkName) &&
      (statuses === null || statuses.includes(r.status.toUpperCase())) &&
      (f.conclusions == null || f.conclusions.includes(upper(r.conclusion) ?? "")),
  );
  if (f.checkType !== "ALL") {
    const latest = new Map<string, SimCheckRun>();
    for (const r of runs) latest.set(r.name, r);
    runs = [...latest.values()];
  }
  return runs.sort((a, b) => a.id - b.id);
}

/** `PullRequest.state` (`PullRequestState`): OPEN, CLOSED or MERGED. */
function pullState(issue: SimIssue): string {
  return issue.pull?.merged ? "MERGED" : issue.state.toUpperCase();
}

const ACTOR = {
  id: (s: SourceOf<"User" | "Bot" | "Organization">) => s.user.nodeId,
  databaseId: (s: SourceOf<"User" | "Bot" | "Organization">) => s.user.id,
  login: (s: SourceOf<"User" | "Bot" | "Organization">) => actorLogin(s.user),
};

/** Resolvers by type and field: everything here reads simulator state; nothing else resolves. */
const RESOLVERS: Record<string, Fields> = {
  Query: {
    repository: {
      args: ["owner", "name", "followRenames"],
      resolve: (_s: unknown, a, ctx) => repository(ctx, String(a.owner), String(a.name)),
    },
    node: {
      args: ["id"],
      resolve: (_s: unknown, a, ctx) => {
        const node = nodeById(ctx.state, String(a.id));
        if (!node || !("repo" in node)) throw unresolvedNode(String(a.id));
        const need = { Repository: READ.metadata, PullRequest: READ.pulls }[node.__typename as string];
        guard(ctx, node.repo, need ?? READ.comments);
        return node;
      },
    },
  },
  Mutation: graphqlMutations() as Fields,
  Repository: fields("Repository", {
    id: (s) => s.repo.nodeId,
    databaseId: (s) => s.repo.id,
    name: (s) => s.repo.name,
    nameWithOwner: (s) => s.repo.fullName,
    isPrivate: (s) => s.repo.private,
    owner: (s) => actorSource(s.repo.owner),
    defaultBranchRef: (s, _a, ctx) => {
      guard(ctx, s.repo, READ.contents);
      return ref(s.repo, `refs/heads/${s.repo.defaultBranch}`);
    },
    ref: {
      args: ["qualifiedName"],
      resolve: (s, a, ctx) => {
        guard(ctx, s.repo, READ.contents);
        return ref(s.repo, String(a.qualifiedName));
      },
    },
    object: {
      args: ["oid"],
      resolve: (s, a) => gitObject(s.repo, String(a.oid)),
    },
    pullRequests: {
      args: [...PAGE, "headRefName", "baseRefName", "states"],
      resolve: (s, a, ctx) => {
        guard(ctx, s.repo, READ.pulls);
        const states = (a.states as string[] | null | undefined) ?? null;
        const pulls = [...s.repo.issues.values()].filter(
          (issue) =>
            issue.pull !== null &&
            issue.pull !== undefined &&
            (a.headRefName == null || issue.pull.headRef === a.headRefName) &&
            (a.baseRefName == null || issue.pull.baseRef === a.baseRefName) &&
            (states === null || states.includes(pullState(issue))),
        );
        return connection(pulls, a as PageArgs, "Repository.pullRequests", (issue) => ({
          __typename: "PullRequest",
          repo: s.repo,
          issue,
        }));
      },
    },
    pullRequest: {
      args: ["number"],
      resolve: (s, a, ctx) => {
        guard(ctx, s.repo, READ.pulls);
        const issue = s.repo.issues.get(Number(a.number));
        if (!issue?.pull)
          throw new GitHubGraphQLError(
            "NOT_FOUND",
            `Could not resolve to a PullRequest with the number of ${String(a.number)}.`,
          );
        return { __typename: "PullRequest", repo: s.repo, issue };
      },
    },
  }),
  Ref: fields("Ref", {
    name: (s) => s.name.replace(/^refs\/[^/]+\//, ""),
    prefix: (s) => /^refs\/[^/]+\//.exec(s.name)?.[0] ?? "refs/",
    target: (s) => gitObject(s.repo, s.sha),
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
  }),
  Commit: fields("Commit", {
    oid: (s) => s.oid,
    abbreviatedOid: (s) => s.oid.slice(0, 7),
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
    checkSuites: {
      args: [...PAGE, "filterBy"],
      resolve: (s, a, ctx) => {
        guard(ctx, s.repo, READ.checks);
        only(a.filterBy as Args | null, ["appId", "checkName"], "CheckSuiteFilter");
        const f = (a.filterBy ?? {}) as { appId?: number | null; checkName?: string | null };
        const suites = s.repo.checkSuites.filter(
          (suite) =>
            suite.headSha === s.oid &&
            ctx.state.listed(suite) &&
            (f.appId == null || suite.app?.id === f.appId) &&
            (f.checkName == null ||
              s.repo.checkRuns.some((r) => r.checkSuiteId === suite.id && r.name === f.checkName)),
        );
        return connection(suites, a as PageArgs, "Commit.checkSuites", (suite) => ({
          __typename: "CheckSuite",
          repo: s.repo,
          suite,
        }));
      },
    },
  }),
  Tree: fields("Tree", { oid: (s) => s.oid }),
  Blob: fields("Blob", { oid: (s) => s.oid }),
  PullRequest: fields("PullRequest", {
    id: (s) => s.issue.nodeId,
    databaseId: (s) => s.issue.id,
    number: (s) => s.issue.number,
    title: (s) => s.issue.title,
    body: (s) => s.issue.body ?? "",
    author: (s) => actorSource(s.issue.user),
    createdAt: (s) => s.issue.createdAt,
    updatedAt: (s) => s.issue.updatedAt,
    state: (s) => pullState(s.issue),
    merged: (s) => s.issue.pull?.merged ?? false,
    isDraft: (s) => s.issue.pull?.draft ?? false,
    headRefOid: (s) => s.issue.pull?.headSha,
    headRefName: (s) => s.issue.pull?.headRef,
    headRepositoryOwner: (s) => (s.issue.pull ? actorSource(s.issue.pull.headRepo.owner) : null),
    baseRefName: (s) => s.issue.pull?.baseRef,
    baseRefOid: (s) => s.issue.pull?.baseSha,
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
    comments: {
      args: PAGE,
      resolve: (s, a, ctx) => {
        guard(ctx, s.repo, READ.comments);
        const comments = s.issue.commentIds
          .map((id) => s.repo.comments.get(id))
          .filter((c): c is SimComment => c !== undefined && ctx.state.listed(c))
          .sort((x, y) => x.id - y.id);
        return connection(comments, a as PageArgs, "PullRequest.comments", (comment) => ({
          __typename: "IssueComment",
          repo: s.repo,
          comment,
        }));
      },
    },
  }),
  IssueComment: fields("IssueComment", {
    id: (s) => s.comment.nodeId,
    databaseId: (s) => s.comment.id,
    // A BigInt, which GitHub sends as a string (comment ids passed 2^31).
    fullDatabaseId: (s) => String(s.comment.id),
    body: (s) => s.comment.body,
    author: (s) => actorSource(s.comment.user),
    createdAt: (s) => s.comment.createdAt,
    updatedAt: (s) => s.comment.updatedAt,
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
  }),
  User: fields("User", { ...ACTOR, name: (s) => s.user.name }),
  Organization: fields("Organization", { ...ACTOR, name: (s) => s.user.name }),
  Bot: fields("Bot", ACTOR),
  App: fields("App", {
    id: (s) => s.app.nodeId,
    databaseId: (s) => s.app.id,
    slug: (s) => s.app.slug,
    name: (s) => s.app.name,
  }),
  CheckSuite: fields("CheckSuite", {
    id: (s) => s.suite.nodeId,
    databaseId: (s) => s.suite.id,
    app: (s) => (s.suite.app ? { __typename: "App", app: s.suite.app } : null),
    commit: (s) => ({ __typename: "Commit", repo: s.repo, oid: s.suite.headSha }),
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
    checkRuns: {
      args: [...PAGE, "filterBy"],
      resolve: (s, a, ctx) =>
        connection(
          filterCheckRuns(ctx, s, a.filterBy as Args | null),
          a as PageArgs,
          "CheckSuite.checkRuns",
          (run) => ({ __typename: "CheckRun", repo: s.repo, run }),
        ),
    },
  }),
  CheckRun: fields("CheckRun", {
    id: (s) => s.run.nodeId,
    databaseId: (s) => s.run.id,
    name: (s) => s.run.name,
    externalId: (s) => s.run.externalId,
    status: (s) => upper(s.run.status),
    conclusion: (s) => upper(s.run.conclusion),
    startedAt: (s) => s.run.startedAt,
    completedAt: (s) => s.run.completedAt,
    detailsUrl: (s) => s.run.detailsUrl,
    title: (s) => s.run.output.title,
    summary: (s) => s.run.output.summary,
    text: (s) => s.run.output.text,
    repository: (s) => ({ __typename: "Repository", repo: s.repo }),
  }),
};

/** Types whose values are plain objects built by the resolvers (connections, edges, payloads). */
const PLAIN = /(Connection|Edge|Payload)$|^PageInfo$/;

/** Every `Type.field` the simulator resolves, for the test that pins them to GitHub's schema. */
export function resolvedFields(): string[] {
  return Object.entries(RESOLVERS).flatMap(([type, table]) => Object.keys(table).map((f) => `${type}.${f}`));
}

/**
 * The one field resolver: a field in `RESOLVERS` (with only the arguments it models), a property of
 * a plain connection or payload object, or else an `UnsupportedGraphQLError` (a violation).
 */
export const fieldResolver: GraphQLFieldResolver<unknown, GraphQLContext> = (source, args, ctx, info) => {
  const where = `${info.parentType.name}.${info.fieldName}`;
  if (info.parentType.name === "Mutation" && ctx.failFields?.includes(info.fieldName))
    throw new GitHubGraphQLError(
      "",
      "Something went wrong while executing your query. This may be the result of a timeout, or it could " +
        "be a GitHub bug. Please include `SIM` when reporting this issue.",
    );
  const field = RESOLVERS[info.parentType.name]?.[info.fieldName] as Field<unknown> | undefined;
  if (field) {
    const allowed = typeof field === "function" ? [] : field.args;
    for (const node of info.fieldNodes[0]?.arguments ?? []) {
      if (!allowed.includes(node.name.value))
        throw new UnsupportedGraphQLError(`argument ${where}(${node.name.value})`);
    }
    return (typeof field === "function" ? field : field.resolve)(source, args, ctx);
  }
  if (
    PLAIN.test(info.parentType.name) &&
    typeof source === "object" &&
    source !== null &&
    info.fieldName in source
  )
    return (source as Record<string, unknown>)[info.fieldName];
  throw new UnsupportedGraphQLError(`field ${where}`);
};

/** Interfaces and unions resolve to the source's tag. */
export const typeResolver: GraphQLTypeResolver<unknown, GraphQLContext> = (value) =>
  (value as { __typename?: string }).__typename;
