import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit, RequestError } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFaults, startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions, type ThrottleEvent } from "./octokit-options.js";

let sim: GitHubSim;
let octokit: Octokit;
const repo = { owner: "acme", repo: "faults" };
let issue: number;

beforeAll(async () => {
  sim = await startGitHubSim();
  sim.state.createRepo({ owner: "acme", name: "faults" });
  issue = sim.state.createIssue("acme/faults", { title: "t", user: "acme" }).number;
  octokit = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme") }));
});
afterAll(async () => {
  await sim?.close();
});

describe("injected faults", () => {
  it("octokit's retry plugin recovers from two 502s and the comment is written once", async () => {
    const faults = createFaults([
      { kind: "status", status: 502, operationId: "issues/create-comment", times: 2 },
    ]);
    sim.setFaults(faults.hook);
    try {
      await octokit.rest.issues.createComment({ ...repo, issue_number: issue, body: "after 502s" });
    } finally {
      sim.setFaults(undefined);
    }
    expect(faults.fired.map((f) => f.kind)).toEqual(["status", "status"]);
    const attempts = sim.exchanges.filter((x) => x.operationId === "issues/create-comment");
    expect(attempts.map((x) => [x.status, x.fault])).toEqual([
      [502, true],
      [502, true],
      [201, false],
    ]);
    expect(sim.state.comments("acme/faults", issue).map((c) => c.body)).toEqual(["after 502s"]);
  });

  it("octokit's throttling plugin waits out a secondary rate limit's retry-after and retries", async () => {
    const events: ThrottleEvent[] = [];
    const client = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme"), events }));
    sim.setFaults(
      createFaults([
        { kind: "secondary-rate-limit", retryAfter: 3, operationId: "issues/add-labels", times: 1 },
      ]).hook,
    );
    try {
      await client.rest.issues.addLabels({ ...repo, issue_number: issue, labels: ["promote:staging"] });
    } finally {
      sim.setFaults(undefined);
    }
    expect(events.map((e) => [e.kind, e.retryAfter, e.retryCount])).toEqual([["secondary-rate-limit", 3, 0]]);
    expect(sim.state.labels("acme/faults", issue)).toEqual(["promote:staging"]);
  });

  it("octokit's throttling plugin retries a primary rate limit once its reset has passed", async () => {
    const events: ThrottleEvent[] = [];
    const client = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme"), events }));
    sim.setFaults(
      createFaults([{ kind: "rate-limit", resetInSeconds: 1, operationId: "issues/get", times: 1 }]).hook,
    );
    try {
      const { data } = await client.rest.issues.get({ ...repo, issue_number: issue });
      expect(data.number).toBe(issue);
    } finally {
      sim.setFaults(undefined);
    }
    expect(events.map((e) => e.kind)).toEqual(["rate-limit"]);
  });

  it("gives up when the secondary limit persists, as the handler allows one retry", async () => {
    const events: ThrottleEvent[] = [];
    const client = new Octokit(simOctokitOptions(sim, { auth: sim.state.userToken("acme"), events }));
    sim.setFaults(
      createFaults([{ kind: "secondary-rate-limit", retryAfter: 1, operationId: "issues/list-comments" }])
        .hook,
    );
    try {
      const error = await client.rest.issues
        .listComments({ ...repo, issue_number: issue })
        .catch((e: unknown) => e);
      expect(error instanceof RequestError && error.status).toBe(403);
    } finally {
      sim.setFaults(undefined);
    }
    expect(events.map((e) => e.retryCount)).toEqual([0, 1]);
  });

  it("adds rate-limit headers and latency without changing the answer", async () => {
    const faults = createFaults([
      { kind: "latency", ms: 5, operationId: "repos/get" },
      { kind: "rate-limit-headers", remaining: 3, operationId: "repos/get" },
    ]);
    sim.setFaults(faults.hook);
    try {
      const res = await octokit.rest.repos.get(repo);
      expect([res.status, res.headers["x-ratelimit-remaining"], res.data.full_name]).toEqual([
        200,
        "3",
        "acme/faults",
      ]);
    } finally {
      sim.setFaults(undefined);
    }
    expect(faults.fired.map((f) => f.kind)).toEqual(["latency", "rate-limit-headers"]);
  });

  it("draws probabilistic faults from the seed: the same seed fires on the same requests", () => {
    const pattern = (seed: number) => {
      const { hook } = createFaults([{ kind: "status", status: 500, probability: 0.3 }], seed);
      return Array.from(
        { length: 40 },
        () => hook({ method: "GET", path: "/x", operationId: "repos/get" })?.status ?? 200,
      );
    };
    expect(pattern(7)).toEqual(pattern(7));
    expect(pattern(7)).not.toEqual(pattern(8));
    expect(pattern(7).filter((s) => s === 500).length).toBeGreaterThan(0);
  });
});

describe("delivery faults", () => {
  let receiver: Server;
  const arrived: Array<{ id: string; key: string }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const action = (JSON.parse(body) as { action?: string }).action;
        arrived.push({
          id: String(req.headers["x-github-delivery"]),
          key: `${req.headers["x-github-event"]}.${action}`,
        });
        res.writeHead(202).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  });
  afterAll(async () => {
    if (receiver) await new Promise((r) => receiver.close(r));
  });

  it("delivers a duplicate twice with the same delivery id, and a reordered one after its successor", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    sim.webhooks.configure({
      url,
      secret: "s",
      faults: {
        duplicate: [{ event: "pull_request", action: "labeled" }],
        reorder: [{ event: "pull_request", action: "opened" }],
      },
    });
    sim.state.pushCommit("acme/faults", { branch: "f", files: { "f.txt": "f\n" } });
    const pr = sim.state.openPullRequest("acme/faults", { head: "f" });
    sim.state.addLabels("acme/faults", pr.number, ["x"], "acme");
    sim.state.addComment("acme/faults", pr.number, "hello", "acme");
    await sim.webhooks.settle();
    sim.webhooks.configure(undefined);

    expect(arrived.map((a) => a.key)).toEqual([
      "pull_request.labeled",
      "pull_request.labeled",
      "pull_request.opened",
      "issue_comment.created",
    ]);
    expect(arrived[0]?.id).toBe(arrived[1]?.id);
    expect(new Set(arrived.map((a) => a.id)).size).toBe(3);
    expect(sim.webhooks.deliveries.filter((d) => d.duplicate).map((d) => d.action)).toEqual(["labeled"]);
    sim.assertNoViolations();
  });
});
