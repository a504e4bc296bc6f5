import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";
import { validateRequest, validateResponse } from "./openapi-validator.js";

let sim: GitHubSim;
beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  await sim?.close();
});

const failure = async (p: Promise<unknown>): Promise<RequestError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof RequestError) return e;
    throw e;
  }
  throw new Error("expected the request to fail");
};

describe("OpenAPI validation of every exchange", () => {
  it("answers 400 to a request whose body breaks the description and records the operation and schema path", async () => {
    sim.state.createRepo({ owner: "acme", name: "bad-request" });
    const issue = sim.state.createIssue("acme/bad-request", { title: "t", user: "acme" });
    const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
    const before = sim.violations.length;

    const error = await failure(
      octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
        owner: "acme",
        repo: "bad-request",
        issue_number: issue.number,
        body: 42 as unknown as string,
      }),
    );

    expect(error.status).toBe(400);
    expect(error.message).toContain("issues/create-comment");
    const recorded = sim.violations.slice(before);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      operationId: "issues/create-comment",
      direction: "request",
      location: "body",
      instancePath: "/body",
      schemaPath:
        "api.github.com.json#/paths/~1repos~1{owner}~1{repo}~1issues~1{issue_number}~1comments/post/requestBody/content/application~1json/schema/properties/body/type",
    });
    expect(sim.state.comments("acme/bad-request", issue.number)).toEqual([]);
    expect(() => sim.assertNoViolations()).toThrow(/issues\/create-comment request body at \/body/);
    sim.violations.length = before;
  });

  it("flags a query parameter of the wrong type", async () => {
    sim.state.createRepo({ owner: "acme", name: "bad-query" });
    const octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
    const before = sim.violations.length;
    const error = await failure(
      octokit.request("GET /repos/{owner}/{repo}/pulls", {
        owner: "acme",
        repo: "bad-query",
        state: "merged" as "open",
      }),
    );
    expect(error.status).toBe(400);
    expect(sim.violations.slice(before)[0]).toMatchObject({
      operationId: "pulls/list",
      location: "query.state",
      schemaPath: "api.github.com.json#/paths/~1repos~1{owner}~1{repo}~1pulls/get/parameters/2/schema/enum",
    });
    sim.violations.length = before;
  });

  it("answers 500 when the simulator's own response breaks the description, naming the schema it broke", async () => {
    sim.state.createRepo({ owner: "acme", name: "bad-response" });
    const issue = sim.state.createIssue("acme/bad-response", { title: "t", user: "ghost" });
    // Corrupt the state the response is rendered from: a user's type must be a string.
    (sim.state.user("ghost") as { type: unknown }).type = 7;
    const octokit = new Octokit({
      ...simOctokitOptions(sim, { auth: sim.state.userToken("acme") }),
      retry: { enabled: false },
    });
    const before = sim.violations.length;

    const error = await failure(
      octokit.rest.issues.get({ owner: "acme", repo: "bad-response", issue_number: issue.number }),
    );

    expect(error.status).toBe(500);
    const [v] = sim.violations.slice(before);
    expect(v).toMatchObject({
      operationId: "issues/get",
      direction: "response",
      location: "body (200)",
      instancePath: "/user/type",
    });
    expect(v?.schemaPath).toBe(
      "api.github.com.json#/components/schemas/nullable-simple-user/properties/type/type",
    );
    sim.violations.length = before;
  });

  it("records an endpoint the simulator does not serve", async () => {
    const octokit = new Octokit(simOctokitOptions(sim));
    const before = sim.violations.length;
    const error = await failure(octokit.request("GET /meta"));
    expect(error.status).toBe(404);
    expect(sim.violations.slice(before)[0]).toMatchObject({ operationId: "unrouted", request: "GET /meta" });
    sim.violations.length = before;
  });

  it("passes GitHub's own documented example shapes and rejects a missing required field", () => {
    const ok = validateRequest("issues/create-comment", {
      pathParams: { owner: "o", repo: "r", issue_number: "3" },
      query: new URLSearchParams(),
      body: { body: "hi" },
      request: "test",
    });
    expect(ok.violations).toEqual([]);
    expect(ok.params.issue_number).toBe(3);
    const bad = validateResponse(
      "git/get-ref",
      200,
      { ref: "refs/heads/main", node_id: "x", url: "http://h/x" },
      "test",
    );
    expect(bad[0]).toMatchObject({
      operationId: "git/get-ref",
      schemaPath: "api.github.com.json#/components/schemas/git-ref/required",
      message: expect.stringContaining("'object'"),
    });
  });
});
