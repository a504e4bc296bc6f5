/**
 * The reads and writes of a `workflow_run` through GitHub's GraphQL API, batched (graphql-batch.ts):
 * the default branch's head, the commit's own `modelgate` check runs and each PR's own sticky
 * comments are one request; the new check run and the new comment another; the listings that wait
 * for them a third. Over REST the same steps take a call each (app/README.md, "API calls").
 *
 * The rules of convergence are the REST ones, unchanged (sticky-comment.ts, gate-check.ts): this
 * module only carries their listings and writes. A listing that does not fit one page (more than
 * 100 comments on a PR, or 100 check runs of the name on a commit) is made again over REST,
 * which pages through everything.
 */
import type { OwnCheck, CheckChannel, CheckRunDraft } from "./gate-check.js";
import { listOwnChecks } from "./gate-check.js";
import { GraphqlBatch } from "./graphql-batch.js";
import type { AppIdentity, GitHubClient, RepoRef } from "./github-client.js";
import { readCheckExternalId } from "./report-version.js";
import type { CommentChannel, OwnSticky } from "./sticky-comment.js";
import { isOwnSticky, listOwnStickies, ownSticky } from "./sticky-comment.js";

const PAGE = 100;
/**
 * Open PRs from a branch name read with their comments at once: a branch name is shared across
 * forks (`main`, `patch-1`), and a page of them with a page of comments each would be a heavy
 * answer. More than this, and the PRs are listed over REST by owner and branch.
 */
const BY_HEAD = 5;
/** An app has one check suite per commit; a few more are read in case GitHub made another. */
const SUITES = 10;

interface Connection<T> {
  nodes: (T | null)[] | null;
  pageInfo: { hasNextPage: boolean };
}

interface CommentNode {
  /** GitHub's comment ids passed 2^31, beyond GraphQL's `Int`: the id is a `BigInt`, sent as a string. */
  fullDatabaseId: string | null;
  body: string;
  author: { __typename: string; login: string } | null;
}

interface PullNode {
  id: string;
  number: number;
  headRefOid: string;
  comments: Connection<CommentNode>;
}

interface CheckRunNode {
  databaseId: number | null;
  name: string;
  externalId: string | null;
}

interface CommitNode {
  checkSuites?: Connection<{ checkRuns: Connection<CheckRunNode> | null }> | null;
}

/** A PR's own sticky comments and its head, read together. */
export interface PullStickies {
  stickies: OwnSticky[];
  headSha: string;
}

/** What is read of a PR: its node id, head, and first page of comments. */
const PULL_FIELDS =
  `id number headRefOid comments(first: 100) { ` +
  `nodes { fullDatabaseId body author { __typename login } } pageInfo { hasNextPage } }`;

/** The checks and comments of one repository for one event, over one batch of GraphQL requests. */
export class GraphqlPublication {
  readonly batch: GraphqlBatch;
  private repositoryId: Promise<string> | undefined;
  private readonly pullIds = new Map<number, string>();

  constructor(
    private readonly client: GitHubClient,
    private readonly repo: RepoRef,
    private readonly identity: AppIdentity,
  ) {
    this.batch = new GraphqlBatch(client);
  }

  /** `repository(owner, name) { id <inner> }`, remembering the repository's node id. */
  private async repository<T>(
    variables: Record<string, readonly [string, unknown]>,
    inner: (v: (name: string) => string) => string,
  ): Promise<T & { id: string }> {
    const found = await this.batch.query<(T & { id: string }) | null>({
      variables: {
        owner: ["String!", this.repo.owner],
        name: ["String!", this.repo.repo],
        ...variables,
      },
      field: (v) => `repository(owner: ${v("owner")}, name: ${v("name")}) { id ${inner(v)} }`,
    });
    if (found === null) throw notFound(`repository ${this.repo.owner}/${this.repo.repo}`);
    this.repositoryId ??= Promise.resolve(found.id);
    return found;
  }

  /** The commit `branch` points at now. */
  async branchHead(branch: string): Promise<string> {
    const found = await this.repository<{ ref: { target: { oid: string } | null } | null }>(
      { ref: ["String!", `refs/heads/${branch}`] },
      (v) => `ref(qualifiedName: ${v("ref")}) { target { oid } }`,
    );
    const oid = found.ref?.target?.oid;
    if (oid === undefined) throw notFound(`branch ${branch}`);
    return oid;
  }

  /** The app's own check runs named `name` on `headSha`. */
  async listChecks(name: string, headSha: string): Promise<OwnCheck[]> {
    const found = await this.repository<{ object: CommitNode | null }>(
      { sha: ["GitObjectID!", headSha], app: ["Int!", this.identity.id], check: ["String!", name] },
      (v) =>
        `object(oid: ${v("sha")}) { ... on Commit { checkSuites(first: ${SUITES}, filterBy: { appId: ${v("app")} }) { ` +
        `nodes { checkRuns(first: ${PAGE}, filterBy: { checkName: ${v("check")}, checkType: ALL }) { ` +
        `nodes { databaseId name externalId } pageInfo { hasNextPage } } } pageInfo { hasNextPage } } } }`,
    );
    const suites = found.object?.checkSuites;
    if (!suites) return [];
    const runs = (suites.nodes ?? []).map((s) => s?.checkRuns);
    // A check run's id is GraphQL's `databaseId: Int`, which GitHub fills past 2^31 (check run ids
    // are there); should it ever answer null instead, the listing is made over REST.
    const unnamed = runs.some((r) => r?.nodes?.some((n) => n !== null && n.databaseId === null));
    if (suites.pageInfo.hasNextPage || runs.some((r) => r?.pageInfo.hasNextPage) || unnamed)
      return listOwnChecks(this.client, this.repo, this.identity, name, headSha);
    const checks: OwnCheck[] = [];
    for (const run of runs.flatMap((r) => r?.nodes ?? []))
      if (run?.databaseId != null && run.name === name)
        checks.push({ id: run.databaseId, version: readCheckExternalId(run.externalId) });
    return checks.sort((a, b) => a.id - b.id);
  }

  /** PR `number`'s own sticky comments, oldest first, and its head commit. */
  async listStickies(number: number): Promise<PullStickies> {
    const found = await this.repository<{ pullRequest: PullNode | null }>(
      { number: ["Int!", number] },
      (v) => `pullRequest(number: ${v("number")}) { ${PULL_FIELDS} }`,
    );
    if (found.pullRequest === null) throw notFound(`pull request #${number}`);
    return this.stickiesOf(found.pullRequest);
  }

  /**
   * The open PRs whose head is `headSha` on branch `branch` of `owner`'s repository (a fork's PR
   * too: the run's payload lists none for those), with their own sticky comments; null when more
   * than `BY_HEAD` open PRs come from branches of that name.
   */
  async pullsByHead(
    branch: string,
    owner: string,
    headSha: string,
  ): Promise<Map<number, PullStickies> | null> {
    type Found = PullNode & { headRepositoryOwner: { login: string } | null };
    const found = await this.repository<{ pullRequests: Connection<Found> }>(
      { branch: ["String!", branch] },
      (v) =>
        `pullRequests(headRefName: ${v("branch")}, states: [OPEN], first: ${BY_HEAD}) { ` +
        `nodes { headRepositoryOwner { login } ${PULL_FIELDS} } pageInfo { hasNextPage } }`,
    );
    if (found.pullRequests.pageInfo.hasNextPage) return null;
    const pulls = new Map<number, PullStickies>();
    for (const pull of found.pullRequests.nodes ?? [])
      if (pull && pull.headRefOid === headSha && pull.headRepositoryOwner?.login === owner)
        pulls.set(pull.number, await this.stickiesOf(pull));
    return pulls;
  }

  /** The own sticky comments of a PR as read; over REST when they did not fit one page. */
  private async stickiesOf(pull: PullNode): Promise<PullStickies> {
    this.pullIds.set(pull.number, pull.id);
    if (pull.comments.pageInfo.hasNextPage)
      return {
        stickies: await listOwnStickies(this.client, this.repo, pull.number, this.identity),
        headSha: pull.headRefOid,
      };
    // GraphQL names an app's bot user by its slug, without REST's `[bot]`.
    const stickies: OwnSticky[] = [];
    for (const c of pull.comments.nodes ?? []) {
      if (c?.fullDatabaseId == null) continue;
      const author = c.author ? { login: c.author.login, bot: c.author.__typename === "Bot" } : null;
      if (isOwnSticky(author, c.body, this.identity.slug))
        stickies.push(ownSticky(Number(c.fullDatabaseId), c.body));
    }
    return { stickies: stickies.sort((a, b) => a.id - b.id), headSha: pull.headRefOid };
  }

  /** Adds a check run; its id. */
  async createCheck(draft: CheckRunDraft): Promise<number> {
    const repositoryId = await (this.repositoryId ??= this.repository<object>({}, () => "").then(
      (r) => r.id,
    ));
    const completed = draft.status === "completed";
    const now = new Date().toISOString();
    const input = {
      repositoryId,
      headSha: draft.headSha,
      name: draft.name,
      status: draft.status.toUpperCase(),
      // GraphQL takes the completion time from the caller (REST stamps it): started at the same
      // moment, so another clock's skew cannot put the end before the start.
      ...(completed
        ? { conclusion: (draft.conclusion ?? "neutral").toUpperCase(), startedAt: now, completedAt: now }
        : {}),
      ...(draft.externalId ? { externalId: draft.externalId } : {}),
      output: draft.output,
    };
    const created = await this.batch.mutate<{ checkRun: { databaseId: number | null } | null } | null>({
      variables: { input: ["CreateCheckRunInput!", input] },
      field: (v) => `createCheckRun(input: ${v("input")}) { checkRun { databaseId } }`,
    });
    const id = created?.checkRun?.databaseId;
    if (id == null) throw new Error("createCheckRun answered without the check run's id");
    return id;
  }

  /** Adds a comment to PR `number`; its id. */
  async createComment(number: number, body: string): Promise<number> {
    const subjectId =
      this.pullIds.get(number) ?? (await this.listStickies(number), this.pullIds.get(number)!);
    const added = await this.batch.mutate<{
      commentEdge: { node: { fullDatabaseId: string | null } | null } | null;
    } | null>({
      variables: { input: ["AddCommentInput!", { subjectId, body }] },
      field: (v) => `addComment(input: ${v("input")}) { commentEdge { node { fullDatabaseId } } }`,
    });
    const id = added?.commentEdge?.node?.fullDatabaseId;
    if (id == null) throw new Error("addComment answered without the comment's id");
    return Number(id);
  }

  checkChannel(): CheckChannel {
    return { list: (name, sha) => this.listChecks(name, sha), create: (draft) => this.createCheck(draft) };
  }

  commentChannel(): CommentChannel {
    return {
      list: async (number) => (await this.listStickies(number)).stickies,
      create: (number, body) => this.createComment(number, body),
    };
  }
}

function notFound(what: string): Error {
  return Object.assign(new Error(`GitHub answered: ${what} not found`), { status: 404 });
}
