import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  at,
  expectViolations,
  failing,
  MODELS,
  startGraphQLScene,
  type GraphQLScene,
} from "./graphql-scene.js";
import { createFaults } from "./index.js";
import { simOctokitOptions, type ThrottleEvent } from "./octokit-options.js";

let scene: GraphQLScene;

beforeAll(async () => {
  scene = await startGraphQLScene();
});
afterAll(async () => {
  scene.sim.assertNoViolations();
  await scene?.close();
});

describe("mutations, permissions, violations and faults", () => {
  it("addComment and createCheckRun make the same state, events and webhooks as REST", async () => {
    const { sim, bot, pr } = scene;
    const ids = await bot.graphql(
      `{ repository(owner: "acme", name: "models") { id pullRequest(number: ${pr}) { id } } }`,
    );
    await bot.rest.issues.createComment({ ...MODELS, issue_number: pr, body: "via REST" });
    const added = await bot.graphql(
      `mutation($subject: ID!, $body: String!) { addComment(input: { subjectId: $subject, body: $body }) { commentEdge { node { databaseId } } } }`,
      { subject: at(ids, "repository.pullRequest.id"), body: "via GraphQL" },
    );
    const [viaRest, viaGraphQL] = sim.state.comments("acme/models", pr).slice(-2);
    expect(at(added, "addComment.commentEdge.node.databaseId")).toBe(viaGraphQL?.id);
    expect(viaGraphQL?.user).toBe(viaRest?.user);
    const commentEvents = sim.state.events.filter((e) => e.name === "issue_comment").slice(-2);
    expect(commentEvents.map((e) => [e.name, "action" in e && e.action, e.sender.login])).toEqual([
      ["issue_comment", "created", "modelgate[bot]"],
      ["issue_comment", "created", "modelgate[bot]"],
    ]);
    await sim.webhooks.settle();
    const [a, b] = sim.webhooks.deliveries.filter((d) => d.event === "issue_comment").slice(-2);
    expect(Object.keys(b?.payload ?? {})).toEqual(Object.keys(a?.payload ?? {}));
    expect(at(b?.payload, "comment.user")).toEqual(at(a?.payload, "comment.user"));
    expect(at(b?.payload, "comment.performed_via_github_app")).toEqual(
      at(a?.payload, "comment.performed_via_github_app"),
    );
    expect([at(a?.payload, "comment.body"), at(b?.payload, "comment.body"), b?.status]).toEqual([
      "via REST",
      "via GraphQL",
      200,
    ]);

    const sha = sim.state.pushCommit("acme/models", { branch: "mutate", files: { "x.txt": "x\n" } });
    const rest = await bot.rest.checks.create({
      ...MODELS,
      name: "rest",
      head_sha: sha,
      status: "in_progress",
    });
    const created = await bot.graphql(
      `mutation($input: CreateCheckRunInput!) { createCheckRun(input: $input) { checkRun { databaseId } } }`,
      {
        input: {
          repositoryId: at(ids, "repository.id"),
          headSha: sha,
          name: "graphql",
          status: "COMPLETED",
          conclusion: "FAILURE",
          completedAt: "2026-01-01T00:00:00Z",
          externalId: "ext-1",
          output: { title: "t", summary: "s", text: "x" },
        },
      },
    );
    const { data: run } = await bot.rest.checks.get({
      ...MODELS,
      check_run_id: at<number>(created, "createCheckRun.checkRun.databaseId"),
    });
    expect(run).toMatchObject({
      name: "graphql",
      head_sha: sha,
      status: "completed",
      conclusion: "failure",
      completed_at: "2026-01-01T00:00:00Z",
      external_id: "ext-1",
      output: { title: "t", summary: "s", text: "x" },
      app: { slug: "modelgate" },
      check_suite: { id: rest.data.check_suite?.id },
    });
    expect(
      sim.state.events
        .filter((e) => e.name === "check_run")
        .slice(-2)
        .map((e) => [e.name, "action" in e && e.action, e.sender.login]),
    ).toEqual([
      ["check_run", "created", "modelgate[bot]"],
      ["check_run", "created", "modelgate[bot]"],
    ]);
  });

  it("answers GitHub's NOT_FOUND, FORBIDDEN and 401 without recording violations", async () => {
    const { sim, bot, app, head, pr } = scene;
    const before = sim.violations.length;
    const anonymous = new Octokit(simOctokitOptions(sim));
    const unauth = await anonymous
      .graphql(`{ repository(owner: "acme", name: "models") { id } }`)
      .catch((e: unknown) => e);
    expect(unauth).toBeInstanceOf(RequestError);
    expect((unauth as RequestError).status).toBe(401);
    expect((unauth as RequestError).response?.data).toMatchObject({ message: "Requires authentication" });

    const missing = await failing(
      bot.graphql(
        `{ a0: repository(owner: "acme", name: "models") { pullRequest(number: 999) { id } } a1: repository(owner: "acme", name: "nope") { id } }`,
      ),
    );
    expect(missing.data).toEqual({ a0: { pullRequest: null }, a1: null });
    expect(missing.errors).toEqual([
      {
        type: "NOT_FOUND",
        path: ["a0", "pullRequest"],
        locations: [expect.any(Object)],
        message: "Could not resolve to a PullRequest with the number of 999.",
      },
      {
        type: "NOT_FOUND",
        path: ["a1"],
        locations: [expect.any(Object)],
        message: "Could not resolve to a Repository with the name 'acme/nope'.",
      },
    ]);
    const unknownNode = await failing(
      bot.graphql(
        `mutation { addComment(input: { subjectId: "bm9wZQ==", body: "x" }) { clientMutationId } }`,
      ),
    );
    expect(unknownNode.errors[0]).toMatchObject({ type: "NOT_FOUND", path: ["addComment"] });

    const installation = sim.state.installApp(app, "acme");
    const narrow = new Octokit(
      simOctokitOptions(sim, {
        auth: sim.state.installationToken(installation, { permissions: { metadata: "read" } }),
      }),
    );
    const forbidden = await failing(
      narrow.graphql(
        `query($sha: GitObjectID!) { repository(owner: "acme", name: "models") { id ref(qualifiedName: "refs/heads/main") { name }
        pullRequest(number: ${pr}) { id } object(oid: $sha) { ... on Commit { checkSuites(first: 1) { nodes { id } } } } } }`,
        { sha: head },
      ),
    );
    expect(forbidden.data).toEqual({
      repository: {
        id: sim.state.repo("acme/models").nodeId,
        ref: null,
        pullRequest: null,
        object: { checkSuites: null },
      },
    });
    expect(forbidden.errors.map((e) => [e.type, (e.path as string[]).join("."), e.message])).toEqual([
      ["FORBIDDEN", "repository.ref", "Resource not accessible by integration"],
      ["FORBIDDEN", "repository.pullRequest", "Resource not accessible by integration"],
      ["FORBIDDEN", "repository.object.checkSuites", "Resource not accessible by integration"],
    ]);
    const user = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
    const byUser = await failing(
      user.graphql(
        `mutation($id: ID!, $sha: GitObjectID!) { createCheckRun(input: { repositoryId: $id, headSha: $sha, name: "x" }) { checkRun { databaseId } } }`,
        { id: sim.state.repo("acme/models").nodeId, sha: head },
      ),
    );
    expect(byUser.errors[0]).toMatchObject({
      type: "FORBIDDEN",
      message: "You must authenticate via a GitHub App.",
    });
    // User tokens act with the user's role: anyone reads a public repository, a private one is invisible.
    sim.state.createRepo({ owner: "acme", name: "secret", private: true });
    sim.state.addComment("acme/models", pr, "read me", "alice");
    const bob = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("bob") }));
    const read = await bob.graphql(
      `{ repository(owner: "acme", name: "models") { pullRequest(number: ${pr}) { comments(first: 1) { nodes { body } } } } }`,
    );
    expect(at(read, "repository.pullRequest.comments.nodes")).toHaveLength(1);
    const hidden = await failing(bob.graphql(`{ repository(owner: "acme", name: "secret") { id } }`));
    expect(hidden.errors[0]).toMatchObject({ type: "NOT_FOUND", path: ["repository"] });
    expect(sim.violations.slice(before)).toEqual([]);
  });

  it("records an invalid query, a mistyped variable, an unsupported field and a bad resolver value as violations", async () => {
    const { sim, bot } = scene;
    await expectViolations(sim, /^graphql Cannot query field "nope" on type "Repository"/, async () => {
      const r = await failing(bot.graphql(`{ repository(owner: "acme", name: "models") { nope } }`));
      expect(r.errors[0]).toMatchObject({
        message: expect.stringContaining('"nope"'),
        locations: [expect.any(Object)],
      });
    });
    await expectViolations(
      sim,
      /Variable "\$n" of type "String!" used in position expecting type "Int!"/,
      () =>
        failing(
          bot.graphql(
            `query($n: String!) { repository(owner: "acme", name: "models") { pullRequest(number: $n) { id } } }`,
            { n: "1" },
          ),
        ),
    );
    await expectViolations(sim, /Variable "\$n" got invalid value "one"/, () =>
      failing(
        bot.graphql(
          `query($n: Int!) { repository(owner: "acme", name: "models") { pullRequest(number: $n) { id } } }`,
          { n: "one" },
        ),
      ),
    );
    await expectViolations(sim, /unsupported GraphQL field Repository\.stargazerCount/, () =>
      failing(bot.graphql(`{ repository(owner: "acme", name: "models") { stargazerCount } }`)),
    );
    await expectViolations(sim, /unsupported GraphQL argument Repository\.object\(expression\)/, () =>
      failing(
        bot.graphql(`{ repository(owner: "acme", name: "models") { object(expression: "main") { oid } } }`),
      ),
    );
    // A value the schema cannot carry (state corrupted on purpose) is the simulator's fault, not GitHub's.
    const sha = sim.state.pushCommit("acme/models", { branch: "bogus", files: { "b.txt": "b\n" } });
    await bot.rest.checks.create({ ...MODELS, name: "bogus", head_sha: sha, conclusion: "success" });
    const run = sim.state.checkRuns("acme/models", sha)[0];
    if (run) run.conclusion = "bogus";
    await expectViolations(sim, /Enum "CheckConclusionState" cannot represent value: "BOGUS"/, () =>
      failing(
        bot.graphql(
          `query($sha: GitObjectID!) { repository(owner: "acme", name: "models") { object(oid: $sha) { ... on Commit {
            checkSuites(first: 1) { nodes { checkRuns(first: 1) { nodes { conclusion } } } } } } } }`,
          { sha },
        ),
      ),
    );
  });

  it("applies faults by operationId graphql: octokit waits out a secondary rate limit and retries a 502", async () => {
    const { sim, app } = scene;
    const events: ThrottleEvent[] = [];
    const client = new Octokit(
      simOctokitOptions(sim, {
        auth: sim.state.installationToken(sim.state.installApp(app, "acme")),
        events,
      }),
    );
    const faults = createFaults([
      { kind: "secondary-rate-limit", retryAfter: 2, operationId: "graphql", times: 1 },
      { kind: "status", status: 502, operationId: "graphql", times: 1 },
    ]);
    const from = sim.exchanges.length;
    sim.setFaults(faults.hook);
    try {
      const data = await client.graphql(`{ repository(owner: "acme", name: "models") { id } }`);
      expect(at(data, "repository.id")).toBe(sim.state.repo("acme/models").nodeId);
    } finally {
      sim.setFaults(undefined);
    }
    expect(events.map((e) => [e.kind, e.retryAfter])).toEqual([["secondary-rate-limit", 2]]);
    expect(sim.exchanges.slice(from).map((x) => [x.operationId, x.status, x.fault])).toEqual([
      ["graphql", 403, true],
      ["graphql", 502, true],
      ["graphql", 200, false],
    ]);
  });
  it("deleteIssueComment deletes as REST does; a person needs write access for another's comment", async () => {
    const { sim, bot, pr } = scene;
    const made = await bot.rest.issues.createComment({ ...MODELS, issue_number: pr, body: "to delete" });
    const listed = await bot.graphql(
      `query($pr: Int!) { repository(owner: "acme", name: "models") { pullRequest(number: $pr) { comments(first: 100) { nodes { id fullDatabaseId } } } } }`,
      { pr },
    );
    const nodes = at<{ id: string; fullDatabaseId: string }[]>(
      listed,
      "repository.pullRequest.comments.nodes",
    );
    const node = nodes.find((n) => n.fullDatabaseId === String(made.data.id))!;
    expect(node.id).toBe(made.data.node_id);

    const reader = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("alice") }));
    const refused = await failing(
      reader.graphql(`mutation($id: ID!) { deleteIssueComment(input: { id: $id }) { clientMutationId } }`, {
        id: node.id,
      }),
    );
    expect(refused).toMatchObject({ errors: [{ type: "FORBIDDEN" }] });
    expect(sim.state.comments("acme/models", pr).some((c) => c.id === made.data.id)).toBe(true);

    await bot.graphql(`mutation($id: ID!) { deleteIssueComment(input: { id: $id }) { clientMutationId } }`, {
      id: node.id,
    });
    expect(sim.state.comments("acme/models", pr).some((c) => c.id === made.data.id)).toBe(false);
    const last = sim.state.events.at(-1)!;
    expect([last.name, "action" in last && last.action, last.sender.login]).toEqual([
      "issue_comment",
      "deleted",
      "modelgate[bot]",
    ]);
    const again = await failing(
      bot.graphql(`mutation($id: ID!) { deleteIssueComment(input: { id: $id }) { clientMutationId } }`, {
        id: node.id,
      }),
    );
    expect(again).toMatchObject({ errors: [{ type: "NOT_FOUND" }] });
  });

  it("finds open pull requests by head branch, with their head repository's owner", async () => {
    const { bot, head, pr } = scene;
    const data = await bot.graphql(
      `{ repository(owner: "acme", name: "models") { pullRequests(headRefName: "challenger", states: [OPEN], first: 10) { nodes { number headRefOid headRepositoryOwner { login } } } } }`,
    );
    expect(at(data, "repository.pullRequests.nodes")).toEqual([
      { number: pr, headRefOid: head, headRepositoryOwner: { login: "acme" } },
    ]);
    const none = await bot.graphql(
      `{ repository(owner: "acme", name: "models") { pullRequests(headRefName: "challenger", states: [MERGED], first: 10) { nodes { number } } } }`,
    );
    expect(at(none, "repository.pullRequests.nodes")).toEqual([]);
  });

  it("fails one field of a mutation with a graphql-field-error fault and runs the others", async () => {
    const { sim, app, pr } = scene;
    // Octokit's retry plugin sends a whole document again on GitHub's "Something went wrong": off
    // here, to see the one answer.
    const bot = new Octokit({
      ...simOctokitOptions(sim, { auth: sim.state.installationToken(sim.state.installApp(app, "acme")) }),
      retry: { enabled: false },
    });
    const ids = await bot.graphql(
      `{ repository(owner: "acme", name: "models") { pullRequest(number: ${pr}) { id } } }`,
    );
    const subject = at<string>(ids, "repository.pullRequest.id");
    const before = sim.state.comments("acme/models", pr).length;
    const faults = createFaults([{ kind: "graphql-field-error", graphqlField: "addComment", times: 1 }]);
    sim.setFaults(faults.hook);
    try {
      // A query with no addComment field does not use the rule up.
      await bot.graphql(`{ repository(owner: "acme", name: "models") { id } }`);
      const answer = await failing(
        bot.graphql(
          `mutation($s: ID!) { a: addComment(input: { subjectId: $s, body: "lost" }) { clientMutationId } }`,
          { s: subject },
        ),
      );
      expect(answer).toMatchObject({
        errors: [{ path: ["a"], message: expect.stringMatching(/^Something went wrong/) }],
      });
      expect(faults.fired.map((f) => f.kind)).toEqual(["graphql-field-error"]);
      expect(sim.state.comments("acme/models", pr)).toHaveLength(before);
      await bot.graphql(
        `mutation($s: ID!) { addComment(input: { subjectId: $s, body: "kept" }) { clientMutationId } }`,
        { s: subject },
      );
      expect(sim.state.comments("acme/models", pr)).toHaveLength(before + 1);
    } finally {
      sim.setFaults(undefined);
    }
  });
});
