import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvedFields } from "./graphql-resolvers.js";
import { createFaults, githubGraphQLSchema, startGitHubSim, type GitHubSim, type SimApp } from "./index.js";
import { simOctokitOptions, type ThrottleEvent } from "./octokit-options.js";

let sim: GitHubSim;
let app: SimApp;
/** The App's installation token client (checks, pull requests and issues write; contents read). */
let bot: Octokit;
let receiver: Server;
let head: string;
let pr: number;

const MODELS = { owner: "acme", repo: "models" };

/** What the App sends: one repository per alias, its main ref, a PR with comments, a commit's check runs. */
const APP_QUERY = /* GraphQL */ `
  query Gate($owner: String!, $name: String!, $pr: Int!, $sha: GitObjectID!, $appId: Int, $after: String) {
    a0: repository(owner: $owner, name: $name) {
      id
      ref(qualifiedName: "refs/heads/main") { target { oid } }
      missing: ref(qualifiedName: "refs/heads/nope") { target { oid } }
      pullRequest(number: $pr) {
        id number headRefOid
        comments(first: 100, after: $after) {
          nodes { id databaseId body author { __typename login } }
          pageInfo { hasNextPage endCursor }
        }
      }
      object(oid: $sha) {
        __typename
        ... on Commit {
          oid
          checkSuites(first: 10, filterBy: { appId: $appId }) {
            nodes {
              app { databaseId slug }
              checkRuns(first: 100, filterBy: { checkType: LATEST }) {
                nodes { databaseId name externalId status conclusion }
                pageInfo { hasNextPage endCursor }
              }
            }
            pageInfo { hasNextPage endCursor }
          }
        }
      }
      nothing: object(oid: "0000000000000000000000000000000000000000") { __typename }
    }
  }
`;

/** A GraphQL answer with errors, as octokit's GraphqlResponseError carries it. */
async function failing(p: Promise<unknown>): Promise<{ data: unknown; errors: Array<Record<string, unknown>> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; data?: unknown; errors?: Array<Record<string, unknown>> };
    if (err.name === "GraphqlResponseError") return { data: err.data, errors: err.errors ?? [] };
    throw e;
  }
  throw new Error("expected GraphQL errors");
}

/** Runs `fn`, then checks it added violations matching `pattern` and removes them (so afterAll stays clean). */
async function expectViolations(pattern: RegExp, fn: () => Promise<unknown>): Promise<void> {
  const before = sim.violations.length;
  await fn();
  const added = sim.violations.splice(before);
  expect(added.length).toBeGreaterThan(0);
  for (const v of added) expect(`${v.operationId} ${v.message}`).toMatch(pattern);
}

beforeAll(async () => {
  sim = await startGitHubSim();
  receiver = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  sim.webhooks.configure({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, secret: "s" });
  app = sim.state.createApp({
    slug: "modelgate",
    permissions: { checks: "write", pull_requests: "write", issues: "write", contents: "read", metadata: "read" },
    events: ["issue_comment"],
  });
  sim.state.createRepo({ owner: "acme", name: "models", files: { "modelgate.yml": "models: []\n" } });
  sim.state.createRepo({ owner: "acme", name: "data", files: { "README.md": "# data\n" } });
  const installation = sim.state.installApp(app, "acme");
  bot = new Octokit(simOctokitOptions(sim, { auth: sim.state.installationToken(installation) }));
  head = sim.state.pushCommit("acme/models", { branch: "challenger", files: { "m.txt": "2\n" } });
  pr = sim.state.openPullRequest("acme/models", { head: "challenger", user: "alice" }).number;
});
afterAll(async () => {
  sim.assertNoViolations();
  await sim?.close();
  await new Promise((r) => receiver?.close(r));
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
    const data = (await bot.graphql(APP_QUERY, variables)) as { a0: Record<string, any> };
    const { data: repo } = await bot.rest.repos.get(MODELS);
    const { data: pull } = await bot.rest.pulls.get({ ...MODELS, pull_number: pr });
    const { data: rest } = await bot.rest.issues.listComments({ ...MODELS, issue_number: pr });
    expect(data.a0.id).toBe(repo.node_id);
    expect(data.a0.ref).toEqual({ target: { oid: sim.state.refSha("acme/models", "main") } });
    expect(data.a0.missing).toBeNull();
    expect(data.a0.nothing).toBeNull();
    expect(data.a0.pullRequest).toMatchObject({ id: pull.node_id, number: pr, headRefOid: head });
    expect(data.a0.pullRequest.comments).toEqual({
      nodes: rest.map((c) => ({ id: c.node_id, databaseId: c.id, body: c.body, author: expect.anything() })),
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
    });
    // REST says `modelgate[bot]`; GraphQL's Bot login is the slug alone.
    expect(rest.map((c) => c.user?.login)).toEqual(["modelgate[bot]", "alice"]);
    expect(data.a0.pullRequest.comments.nodes.map((c: any) => c.author)).toEqual([
      { __typename: "Bot", login: "modelgate" },
      { __typename: "User", login: "alice" },
    ]);
    expect(data.a0.object).toEqual({
      __typename: "Commit",
      oid: head,
      checkSuites: {
        nodes: [
          {
            app: { databaseId: app.id, slug: "modelgate" },
            checkRuns: {
              nodes: [
                { databaseId: gate.data.id, name: "modelgate/gate", externalId: "gate-1", status: "COMPLETED", conclusion: "SUCCESS" },
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
