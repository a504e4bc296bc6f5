import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit, createNodeMiddleware } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

let sim: GitHubSim;
let server: Server;

beforeAll(async () => {
  sim = await startGitHubSim();
});
afterAll(async () => {
  await sim?.close();
  if (server) await new Promise((r) => server.close(r));
});

describe("a Probot app against the simulator", () => {
  it("receives signed webhooks and acts through context.octokit with its installation token", async () => {
    const ghApp = sim.state.createApp({
      slug: "gate",
      permissions: { pull_requests: "write", checks: "write", metadata: "read" },
      events: ["pull_request"],
    });
    sim.state.createRepo({ owner: "acme", name: "models" });
    sim.state.installApp(ghApp, "acme");
    const probot = new Probot({
      appId: ghApp.id,
      privateKey: ghApp.privateKey,
      secret: "probot-secret",
      logLevel: "fatal",
      Octokit: ProbotOctokit.defaults(simOctokitOptions(sim)),
    });
    await probot.load((app) => {
      app.on("pull_request.labeled", async (context) => {
        const { data: permission } = await context.octokit.rest.repos.getCollaboratorPermissionLevel(
          context.repo({ username: context.payload.sender.login }),
        );
        await context.octokit.rest.checks.create(
          context.repo({
            name: "modelgate/promote",
            head_sha: context.payload.pull_request.head.sha,
            conclusion: permission.permission === "admin" ? "success" : "failure",
          }),
        );
        await context.octokit.rest.issues.createComment(
          context.issue({ body: `promotion by ${context.payload.sender.login}` }),
        );
      });
    });
    server = createServer(await createNodeMiddleware(() => undefined, { probot }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    sim.webhooks.configure({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`,
      secret: "probot-secret",
    });

    sim.state.pushCommit("acme/models", { branch: "cars", files: { "a.txt": "a\n" } });
    const pr = sim.state.openPullRequest("acme/models", { head: "cars" });
    sim.state.addLabels("acme/models", pr.number, ["promote:production"], "acme");
    await sim.webhooks.settle();

    expect(sim.webhooks.deliveries.map((d) => [d.event, d.action, d.status])).toEqual([
      ["pull_request", "opened", 200],
      ["pull_request", "labeled", 200],
    ]);
    expect(
      sim.state.checkRuns("acme/models", pr.pull?.headSha).map((c) => [c.name, c.conclusion, c.app?.slug]),
    ).toEqual([["modelgate/promote", "success", "gate"]]);
    expect(sim.state.comments("acme/models", pr.number).map((c) => [c.user.login, c.body])).toEqual([
      ["gate[bot]", "promotion by acme"],
    ]);
    sim.assertNoViolations();
  });
});
