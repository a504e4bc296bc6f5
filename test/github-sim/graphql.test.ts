import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvedFields } from "./graphql-resolvers.js";
import { at, failing, MODELS, startGraphQLScene, type GraphQLScene } from "./graphql-scene.js";
import { githubGraphQLSchema } from "./index.js";

let scene: GraphQLScene;

/** What the App sends: one repository per alias, its main ref, a PR with comments, a commit's check runs. */
const APP_QUERY = /* GraphQL */ `
  query Gate($owner: String!, $name: String!, $pr: Int!, $sha: GitObjectID!, $appId: Int, $after: String) {
    a0: repository(owner: $owner, name: $name) {
      id
      ref(qualifiedName: "refs/heads/main") {
        target {
          oid
        }
      }
      missing: ref(qualifiedName: "refs/heads/nope") {
        target {
          oid
        }
      }
      pullRequest(number: $pr) {
        id
        number
        headRefOid
        comments(first: 100, after: $after) {
          nodes {
            id
            databaseId
            body
            author {
              __typename
              login
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
      object(oid: $sha) {
        __typename
        ... on Commit {
          oid
          checkSuites(first: 10, filterBy: { appId: $appId }) {
            nodes {
              app {
                databaseId
                slug
              }
              checkRuns(first: 100, filterBy: { checkType: LATEST }) {
                nodes {
                  databaseId
                  name
                  externalId
                  status
                  conclusion
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
      nothing: object(oid: "0000000000000000000000000000000000000000") {
        __typename
      }
    }
  }
`;

beforeAll(async () => {
  scene = await startGraphQLScene();
});
afterAll(async () => {
  scene.sim.assertNoViolations();
  await scene?.close();
});

describe("POST /graphql against GitHub's schema", () => {
  it("builds GitHub's schema once and resolves only fields that exist there", () => {
    const { schema, buildMs, duplicatesDropped } = githubGraphQLSchema();
    expect(buildMs).toBeGreaterThan(0);
    expect(githubGraphQLSchema().schema).toBe(schema);
    expect(duplicatesDropped).toEqual([
      "EnterpriseOwnerInfo.repositoryDeployKeySetting",
      "EnterpriseOwnerInfo.repositoryDeployKeySettingOrganizations",
    ]);
    const missing = resolvedFields().filter((name) => {
      const [type, field] = name.split(".") as [string, string];
      const t = schema.getType(type);
      return !(t && "getFields" in t && field in t.getFields());
    });
    expect(missing).toEqual([]);
  });

  it("answers the App's query from state made through REST and the scenario helpers", async () => {
    const { sim, bot, app, head, pr } = scene;
    await bot.rest.issues.createComment({ ...MODELS, issue_number: pr, body: "<!-- modelgate --> report" });
    sim.state.addComment("acme/models", pr, "looks good", "alice");
    const gate = await bot.rest.checks.create({
      ...MODELS,
      name: "modelgate/gate",
      head_sha: head,
      external_id: "gate-1",
      conclusion: "success",
      output: { title: "passed", summary: "ok" },
    });
    const variables = { owner: "acme", name: "models", pr, sha: head, appId: app.id, after: null };
    const a0 = at<Record<string, unknown>>(await bot.graphql(APP_QUERY, variables), "a0");
    const { data: repo } = await bot.rest.repos.get(MODELS);
    const { data: pull } = await bot.rest.pulls.get({ ...MODELS, pull_number: pr });
    const { data: rest } = await bot.rest.issues.listComments({ ...MODELS, issue_number: pr });
    expect(a0.id).toBe(repo.node_id);
    expect(a0.ref).toEqual({ target: { oid: sim.state.refSha("acme/models", "main") } });
    expect(a0.missing).toBeNull();
    expect(a0.nothing).toBeNull();
    expect(a0.pullRequest).toMatchObject({ id: pull.node_id, number: pr, headRefOid: head });
    expect(at(a0, "pullRequest.comments")).toEqual({
      nodes: rest.map((c) => ({ id: c.node_id, databaseId: c.id, body: c.body, author: expect.anything() })),
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
    // REST says `modelgate[bot]`; GraphQL's Bot login is the slug alone.
    expect(rest.map((c) => c.user?.login)).toEqual(["modelgate[bot]", "alice"]);
    expect(at<Array<{ author: unknown }>>(a0, "pullRequest.comments.nodes").map((c) => c.author)).toEqual([
      { __typename: "Bot", login: "modelgate" },
      { __typename: "User", login: "alice" },
    ]);
    expect(a0.object).toEqual({
      __typename: "Commit",
      oid: head,
      checkSuites: {
        nodes: [
          {
            app: { databaseId: app.id, slug: "modelgate" },
            checkRuns: {
              nodes: [
                {
                  databaseId: gate.data.id,
                  name: "modelgate/gate",
                  externalId: "gate-1",
                  status: "COMPLETED",
                  conclusion: "SUCCESS",
                },
              ],
              pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
            },
          },
        ],
        pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      },
    });
    expect(gate.data.check_suite?.id).toBe(sim.state.checkSuites("acme/models", head)[0]?.id);
  });
});

describe("batching, pagination, list lag and check run filters", () => {
  it("batches several repositories and pull requests in one aliased document", async () => {
    const { sim, bot, head, pr } = scene;
    const other = sim.state.pushCommit("acme/models", { branch: "other", files: { "o.txt": "o\n" } });
    const second = sim.state.openPullRequest("acme/models", { head: "other" }).number;
    const data = await bot.graphql(
      `query($a: String!, $b: String!) {
        a0: repository(owner: "acme", name: $a) { id p0: pullRequest(number: ${pr}) { headRefOid } p1: pullRequest(number: ${second}) { headRefOid } }
        a1: repository(owner: "acme", name: $b) { id ref(qualifiedName: "refs/heads/main") { target { oid } } }
      }`,
      { a: "models", b: "data" },
    );
    expect(data).toEqual({
      a0: { id: sim.state.repo("acme/models").nodeId, p0: { headRefOid: head }, p1: { headRefOid: other } },
      a1: {
        id: sim.state.repo("acme/data").nodeId,
        ref: { target: { oid: sim.state.refSha("acme/data", "main") } },
      },
    });
  });

  it("pages through comments oldest first with cursors, first up to 100", async () => {
    const { sim, bot } = scene;
    sim.state.pushCommit("acme/models", { branch: "paged", files: { "p.txt": "p\n" } });
    const issue = sim.state.openPullRequest("acme/models", { head: "paged" }).number;
    for (let i = 0; i < 5; i++) sim.state.addComment("acme/models", issue, `c${i}`, "alice");
    const page = `query($n: Int!, $after: String) { repository(owner: "acme", name: "models") {
      pullRequest(number: $n) { comments(first: 2, after: $after) { nodes { body } pageInfo { hasNextPage endCursor } } } } }`;
    const bodies: string[] = [];
    const more: boolean[] = [];
    let after: string | null = null;
    do {
      type Page = { nodes: Array<{ body: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } };
      const answer: unknown = await bot.graphql(page, { n: issue, after });
      const comments = at<Page>(answer, "repository.pullRequest.comments");
      bodies.push(...comments.nodes.map((c) => c.body));
      more.push(comments.pageInfo.hasNextPage);
      after = comments.pageInfo.hasNextPage ? comments.pageInfo.endCursor : null;
    } while (after);
    expect(bodies).toEqual(["c0", "c1", "c2", "c3", "c4"]);
    expect(more).toEqual([true, true, false]);
    const tooMany = await failing(
      bot.graphql(
        `{ repository(owner: "acme", name: "models") { pullRequest(number: ${issue}) { comments(first: 101) { nodes { body } } } } }`,
      ),
    );
    expect(tooMany.errors[0]).toMatchObject({ type: "EXCESSIVE_PAGINATION" });
  });

  it("hides just-created comments and check runs from connections while listLagMs lasts, as REST lists", async () => {
    const { sim, bot } = scene;
    const sha = sim.state.pushCommit("acme/models", { branch: "lag", files: { "l.txt": "l\n" } });
    const n = sim.state.openPullRequest("acme/models", { head: "lag" }).number;
    const query = `query($n: Int!, $sha: GitObjectID!) { repository(owner: "acme", name: "models") {
      pullRequest(number: $n) { comments(first: 10) { nodes { body } } }
      object(oid: $sha) { ... on Commit { checkSuites(first: 10) { nodes { checkRuns(first: 10) { nodes { name } } } } } } } }`;
    // Long enough that no machine is slow enough to see the writes; then lowered to 0, as time passing would.
    sim.state.listLagMs = 60_000;
    try {
      await bot.rest.issues.createComment({ ...MODELS, issue_number: n, body: "fresh" });
      await bot.rest.checks.create({ ...MODELS, name: "fresh", head_sha: sha, status: "in_progress" });
      const early = await bot.graphql(query, { n, sha });
      expect(at(early, "repository.pullRequest.comments.nodes")).toEqual([]);
      expect(at(early, "repository.object.checkSuites.nodes")).toEqual([]);
      expect((await bot.rest.issues.listComments({ ...MODELS, issue_number: n })).data).toEqual([]);
      sim.state.listLagMs = 0;
      const late = await bot.graphql(query, { n, sha });
      expect(at(late, "repository.pullRequest.comments.nodes")).toEqual([{ body: "fresh" }]);
      expect(at(late, "repository.object.checkSuites.nodes")).toEqual([
        { checkRuns: { nodes: [{ name: "fresh" }] } },
      ]);
    } finally {
      sim.state.listLagMs = 0;
    }
  });

  it("checkType LATEST (default) keeps the newest run of each name, ALL every one; appId filters suites", async () => {
    const { sim, bot, app } = scene;
    const sha = sim.state.pushCommit("acme/models", { branch: "reruns", files: { "r.txt": "r\n" } });
    const ids: number[] = [];
    for (const [name, conclusion] of [
      ["gate", "failure"],
      ["gate", "success"],
      ["drift", "neutral"],
    ] as const)
      ids.push((await bot.rest.checks.create({ ...MODELS, name, head_sha: sha, conclusion })).data.id);
    const runs = async (filter: string, appId: number) => {
      const data = await bot.graphql(
        `query($sha: GitObjectID!, $appId: Int) { repository(owner: "acme", name: "models") { object(oid: $sha) { ... on Commit {
          checkSuites(first: 5, filterBy: { appId: $appId }) { nodes { checkRuns(first: 10${filter}) { nodes { databaseId conclusion } } } } } } } }`,
        { sha, appId },
      );
      type Suite = { checkRuns: { nodes: Array<{ databaseId: number; conclusion: string }> } };
      return at<Suite[]>(data, "repository.object.checkSuites.nodes").map((s) => s.checkRuns.nodes);
    };
    expect(await runs("", app.id)).toEqual([
      [
        { databaseId: ids[1], conclusion: "SUCCESS" },
        { databaseId: ids[2], conclusion: "NEUTRAL" },
      ],
    ]);
    expect((await runs(", filterBy: { checkType: ALL }", app.id))[0]?.map((r) => r.databaseId)).toEqual(ids);
    expect((await runs(`, filterBy: { checkType: ALL, checkName: "gate" }`, app.id))[0]).toHaveLength(2);
    expect(await runs("", app.id + 999)).toEqual([]);
  });
});
