/**
 * The `resilience` plugin (app/octokit-resilience.ts): what it decides for each kind of failure,
 * and what the app's Octokit (AppOctokit) does against the simulator's faults: secondary and
 * primary rate limits, 5xx answers, a network error, and the call count `onHandled` reports.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppOctokit, apiCallsOf } from "../../app/app-octokit.js";
import { retryDecision, type RetryEvent } from "../../app/octokit-resilience.js";
import { createFaults, startGitHubSim, type FaultRule, type GitHubSim } from "../github-sim/index.js";
import { carsFiles, REPO } from "./scenario.js";

const OPTIONS = { retries: 3, rateLimitRetries: 5, maxWaitSeconds: 120, msPerSecond: 1000 };
const NOW = 1_700_000_000;
const fresh = () => ({ rateLimits: 0, failures: 0 });
const failure = (status: number | undefined, headers: Record<string, string> = {}, message = "") => ({
  status,
  response: { headers, data: { message } },
});

describe("retryDecision", () => {
  it("waits retry-after on a secondary rate limit (403 or 429), 60 s when only the message says so", () => {
    expect(retryDecision(failure(403, { "retry-after": "7" }), fresh(), OPTIONS, NOW)).toEqual({
      kind: "secondary-rate-limit",
      waitSeconds: 7,
    });
    expect(retryDecision(failure(429, { "retry-after": "0" }), fresh(), OPTIONS, NOW)).toEqual({
      kind: "secondary-rate-limit",
      waitSeconds: 0,
    });
    const byMessage = failure(403, {}, "You have exceeded a secondary rate limit. Please wait.");
    expect(retryDecision(byMessage, fresh(), OPTIONS, NOW)).toEqual({
      kind: "secondary-rate-limit",
      waitSeconds: 60,
    });
  });

  it("gives up on a rate limit after rateLimitRetries, or when the wait is longer than maxWaitSeconds", () => {
    const limited = failure(403, { "retry-after": "1" });
    expect(retryDecision(limited, { rateLimits: 4, failures: 0 }, OPTIONS, NOW)).not.toBeNull();
    expect(retryDecision(limited, { rateLimits: 5, failures: 0 }, OPTIONS, NOW)).toBeNull();
    expect(retryDecision(failure(403, { "retry-after": "121" }), fresh(), OPTIONS, NOW)).toBeNull();
    expect(retryDecision(failure(403, { "retry-after": "120" }), fresh(), OPTIONS, NOW)).not.toBeNull();
  });

  it("waits for the reset of a primary rate limit when it is near, and not otherwise", () => {
    const at = (reset: number) =>
      failure(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) });
    expect(retryDecision(at(NOW + 30), fresh(), OPTIONS, NOW)).toEqual({
      kind: "rate-limit",
      waitSeconds: 31,
    });
    expect(retryDecision(at(NOW - 5), fresh(), OPTIONS, NOW)).toEqual({ kind: "rate-limit", waitSeconds: 1 });
    expect(retryDecision(at(NOW + 3600), fresh(), OPTIONS, NOW)).toBeNull();
  });

  it("never retries a refusal: 403 without rate-limit signs, 404, 422", () => {
    expect(
      retryDecision(failure(403, {}, "Resource not accessible by integration"), fresh(), OPTIONS, NOW),
    ).toBeNull();
    expect(retryDecision(failure(403, { "x-ratelimit-remaining": "12" }), fresh(), OPTIONS, NOW)).toBeNull();
    expect(retryDecision(failure(404), fresh(), OPTIONS, NOW)).toBeNull();
    expect(retryDecision(failure(422), fresh(), OPTIONS, NOW)).toBeNull();
  });

  it("retries 5xx and network errors after 1, 2 and 4 s, then gives up", () => {
    const waits = [0, 1, 2].map((failures) =>
      retryDecision(failure(502), { rateLimits: 0, failures }, OPTIONS, NOW),
    );
    expect(waits).toEqual([1, 2, 4].map((waitSeconds) => ({ kind: "server-error", waitSeconds })));
    expect(retryDecision(failure(503), { rateLimits: 0, failures: 3 }, OPTIONS, NOW)).toBeNull();
    expect(retryDecision(new TypeError("fetch failed"), fresh(), OPTIONS, NOW)).toEqual({
      kind: "network-error",
      waitSeconds: 1,
    });
    // Octokit's RequestError for a request that got no answer: status 500 and no response.
    expect(retryDecision({ status: 500, message: "fetch failed" }, fresh(), OPTIONS, NOW)).toEqual({
      kind: "network-error",
      waitSeconds: 1,
    });
  });
});

describe("AppOctokit against the simulator's faults", () => {
  let sim: GitHubSim;
  let token: string;
  beforeAll(async () => {
    sim = await startGitHubSim();
    sim.state.createRepo({ owner: "acme", name: "models", files: carsFiles() });
    token = sim.state.userToken("acme");
  });
  afterAll(async () => {
    sim?.assertNoViolations();
    await sim?.close();
  });

  /** A client whose second of waiting lasts 1 ms, and the retries it reports. */
  function client(baseUrl = sim.url, options: { retries?: number; maxWaitSeconds?: number } = {}) {
    const retries: RetryEvent[] = [];
    const octokit = new AppOctokit({
      auth: { token },
      baseUrl,
      resilience: { msPerSecond: 1, onRetry: (e) => retries.push(e), ...options },
    });
    return { octokit, retries };
  }

  async function withFaults<T>(
    rules: FaultRule[],
    run: () => Promise<T>,
  ): Promise<{ value: T; fired: number }> {
    const faults = createFaults(rules);
    sim.setFaults(faults.hook);
    try {
      return { value: await run(), fired: faults.fired.length };
    } finally {
      sim.setFaults(undefined);
    }
  }

  const [owner, repo] = REPO.split("/") as [string, string];

  it("retries secondary rate limits and 5xx answers, counting every request", async () => {
    const { octokit, retries } = client();
    const { value, fired } = await withFaults(
      [
        { kind: "secondary-rate-limit", retryAfter: 2, operationId: "repos/get", times: 2 },
        { kind: "status", status: 502, operationId: "repos/get", times: 1 },
      ],
      () => octokit.rest.repos.get({ owner, repo }),
    );
    expect(value.data.full_name).toBe(REPO);
    expect(fired).toBe(3);
    expect(retries.map((e) => [e.kind, e.waitSeconds, e.attempt])).toEqual([
      ["secondary-rate-limit", 2, 1],
      ["secondary-rate-limit", 2, 2],
      ["server-error", 1, 3],
    ]);
    expect(apiCallsOf(octokit)).toBe(4);
  });

  it("waits for a primary rate limit's reset, then succeeds", async () => {
    const { octokit, retries } = client();
    const { value } = await withFaults(
      [{ kind: "rate-limit", resetInSeconds: 3, operationId: "repos/get", times: 1 }],
      () => octokit.rest.repos.get({ owner, repo }),
    );
    expect(value.status).toBe(200);
    expect(retries).toHaveLength(1);
    expect(retries[0]!.kind).toBe("rate-limit");
    expect(retries[0]!.waitSeconds).toBeGreaterThanOrEqual(3);
    expect(retries[0]!.waitSeconds).toBeLessThanOrEqual(5);
  });

  it("waits out GraphQL's primary rate limit (200 with RATE_LIMITED), then runs the document", async () => {
    const { octokit, retries } = client();
    const query = `{ repository(owner: "${owner}", name: "${repo}") { nameWithOwner } }`;
    const { value, fired } = await withFaults(
      [{ kind: "graphql-rate-limit", resetInSeconds: 2, operationId: "graphql", times: 1 }],
      () => octokit.graphql<{ repository: { nameWithOwner: string } }>(query),
    );
    expect(value.repository.nameWithOwner).toBe(REPO);
    expect(fired).toBe(1);
    expect(retries.map((e) => e.kind)).toEqual(["rate-limit"]);
    expect(retries[0]!.waitSeconds).toBeGreaterThanOrEqual(2);
    expect(apiCallsOf(octokit)).toBe(2);

    // A reset too far away: the answer is GitHub's, for the caller to report.
    const far = client(sim.url, { maxWaitSeconds: 10 });
    const refused = await withFaults(
      [{ kind: "graphql-rate-limit", resetInSeconds: 3600, operationId: "graphql", times: 1 }],
      () =>
        far.octokit.graphql(query).then(
          () => [],
          (error: { errors?: { type?: string }[] }) => (error.errors ?? []).map((e) => e.type),
        ),
    );
    expect(refused.value).toEqual(["RATE_LIMITED"]);
    expect(far.retries).toEqual([]);
  });

  it("gives up after its retries and throws GitHub's error; a refusal is not retried", async () => {
    const { octokit, retries } = client();
    const { value } = await withFaults([{ kind: "status", status: 503, operationId: "repos/get" }], () =>
      octokit.rest.repos.get({ owner, repo }).then(
        () => undefined,
        (error: { status?: number }) => error.status,
      ),
    );
    expect(value).toBe(503);
    expect(retries.map((e) => e.waitSeconds)).toEqual([1, 2, 4]);
    expect(apiCallsOf(octokit)).toBe(4);

    const refused = client();
    const status = await refused.octokit.rest.repos.get({ owner, repo: "missing" }).then(
      () => 200,
      (error: { status?: number }) => error.status,
    );
    expect(status).toBe(404);
    expect(refused.retries).toEqual([]);
    expect(apiCallsOf(refused.octokit)).toBe(1);
  });

  it("retries a network error (nothing listening) and then throws it", async () => {
    const { createServer } = await import("node:net");
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    const { octokit, retries } = client(`http://127.0.0.1:${closed}`, { retries: 2 });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toThrow();
    expect(retries.map((e) => [e.kind, e.waitSeconds])).toEqual([
      ["network-error", 1],
      ["network-error", 2],
    ]);
    expect(apiCallsOf(octokit)).toBe(3);
  });
});
