import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, Octokit, createNodeMiddleware } from "octokit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitHubSim, type GitHubSim } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";
import { validateWebhook, webhookExamples, webhookKey } from "./webhook-spec.js";

const SECRET = "webhook-secret";

let sim: GitHubSim;
let receiver: Server;
let receiverUrl: string;
let app: App;
/** What the app saw, in arrival order: `event.action`. */
const seen: string[] = [];

beforeAll(async () => {
  sim = await startGitHubSim();
  const ghApp = sim.state.createApp({
    slug: "modelgate",
    permissions: {
      pull_requests: "write",
      issues: "write",
      checks: "write",
      contents: "write",
      actions: "read",
      metadata: "read",
    },
    events: ["pull_request", "workflow_run", "issue_comment"],
  });
  sim.state.createRepo({ owner: "acme", name: "models", files: { "modelgate.yml": "models: [cars]\n" } });
  sim.state.installApp(ghApp, "acme");
  // The real octokit App receives the webhooks: it verifies signatures and answers with its installation token.
  app = new App({
    appId: ghApp.id,
    privateKey: ghApp.privateKey,
    webhooks: { secret: SECRET },
    // The middleware also serves OAuth routes, which need a client; the tests do not use them.
    oauth: { clientId: ghApp.clientId, clientSecret: "unused" },
    Octokit: Octokit.defaults(simOctokitOptions(sim)),
    log: simOctokitOptions(sim).log,
  });
  app.webhooks.onAny(({ name, payload }) => {
    seen.push(`${name}.${(payload as { action?: string }).action ?? ""}`);
  });
  app.webhooks.on("pull_request.labeled", async ({ octokit, payload }) => {
    await octokit.rest.issues.createComment({
      owner: "acme",
      repo: "models",
      issue_number: payload.number,
      body: `labelled ${payload.label?.name}`,
    });
  });
  receiver = createServer(
    createNodeMiddleware(app, { pathPrefix: "/api/github", log: simOctokitOptions(sim).log }),
  );
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/github/webhooks`;
});
afterAll(async () => {
  await sim?.close();
  if (receiver) await new Promise((r) => receiver.close(r));
});

describe("signed webhooks", () => {
  it("delivers the PR lifecycle to a real octokit App, signed, valid and in order", async () => {
    sim.webhooks.configure({ url: receiverUrl, secret: SECRET });
    sim.state.pushCommit("acme/models", {
      branch: "cars",
      files: { "modelgate.yml": "models: [cars, iris]\n" },
    });
    const pr = sim.state.openPullRequest("acme/models", { head: "cars", user: "dev" });
    await sim.runWorkflow({
      repo: "acme/models",
      pullNumber: pr.number,
      path: ".github/workflows/modelgate.yml",
      job: ({ run }) => {
        sim.state.addArtifact(run, "modelgate-report-cars", { "report.json": "{}" });
      },
    });
    sim.state.pushCommit("acme/models", { branch: "cars", files: { "notes.md": "more\n" } });
    sim.state.addLabels("acme/models", pr.number, ["promote:production"], "acme");
    await sim.webhooks.settle();
    sim.state.mergePullRequest("acme/models", pr.number, { by: "acme" });
    await sim.webhooks.settle();

    expect(seen).toEqual([
      "pull_request.opened",
      "workflow_run.requested",
      "workflow_run.in_progress",
      "workflow_run.completed",
      "pull_request.synchronize",
      "pull_request.labeled",
      "issue_comment.created",
      "pull_request.closed",
    ]);
    const deliveries = sim.webhooks.deliveries;
    expect(deliveries.every((d) => d.status === 200)).toBe(true);
    for (const d of deliveries) expect(await app.webhooks.verify(d.body, d.signature256)).toBe(true);
    const completed = deliveries.find((d) => d.event === "workflow_run" && d.action === "completed")
      ?.payload as {
      workflow_run: { conclusion: string; pull_requests: Array<{ number: number }>; head_sha: string };
      installation: { id: number };
    };
    expect(completed.workflow_run.conclusion).toBe("success");
    expect(completed.workflow_run.pull_requests.map((p) => p.number)).toEqual([pr.number]);
    const closed = deliveries.at(-1)?.payload as {
      pull_request: { merged: boolean; labels: Array<{ name: string }>; merge_commit_sha: string };
    };
    expect(closed.pull_request.merged).toBe(true);
    expect(closed.pull_request.labels.map((l) => l.name)).toEqual(["promote:production"]);
    expect(closed.pull_request.merge_commit_sha).toBe(sim.state.refSha("acme/models", "main"));
    expect(sim.state.comments("acme/models", pr.number).map((c) => [c.user.login, c.body])).toEqual([
      ["modelgate[bot]", "labelled promote:production"],
    ]);
    sim.assertNoViolations();
  });

  it("a tampered signature is refused by the receiver", async () => {
    const [d] = sim.webhooks.deliveries;
    if (!d) throw new Error("no delivery");
    const res = await fetch(receiverUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": d.event,
        "x-github-delivery": "forged",
        "x-hub-signature-256": d.signature256.replace(/.$/, (c) => (c === "0" ? "1" : "0")),
      },
      body: d.body,
    });
    expect(res.status).toBe(400);
  });

  it("pins which published examples disagree with the webhook schema (see README)", () => {
    const disagreeing: string[] = [];
    const events = {
      pull_request: ["opened", "synchronize", "labeled", "unlabeled", "closed"],
      workflow_run: ["completed"],
      issue_comment: ["created"],
    };
    for (const [event, actions] of Object.entries(events)) {
      for (const action of actions) {
        webhookExamples(event, action).forEach((example, i) => {
          const [v] = validateWebhook(event, action, example);
          if (v)
            disagreeing.push(
              `${webhookKey(event, action)}[${i}] ${v.instancePath} ${v.message.replace(/ \{.*$/, "")}`,
            );
        });
      }
    }
    expect(disagreeing).toEqual([
      "pull-request-opened[0] /pull_request must have required property 'auto_merge'",
      "pull-request-synchronize[0] /pull_request/base/repo must have required property 'has_discussions'",
      "pull-request-labeled[0] /pull_request/base/repo must have required property 'has_discussions'",
      "pull-request-labeled[1] /pull_request/base/repo must have required property 'has_discussions'",
      "pull-request-unlabeled[0] /pull_request/base/repo must have required property 'has_discussions'",
      "pull-request-unlabeled[1] /pull_request/base/repo must have required property 'has_discussions'",
      "workflow-run-completed[0] /workflow_run must have required property 'actor'",
      "issue-comment-created[0] /comment must have required property 'performed_via_github_app'",
    ]);
  });
});
