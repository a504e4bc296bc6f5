import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "octokit";
import { expect } from "vitest";
import { startGitHubSim, type GitHubSim, type SimApp } from "./index.js";
import { simOctokitOptions } from "./octokit-options.js";

/** The scene the GraphQL tests share: an installed App, two repositories and a pull request. */
export interface GraphQLScene {
  sim: GitHubSim;
  app: SimApp;
  /** The App's installation client (checks, pull requests and issues write; contents read). */
  bot: Octokit;
  /** Head commit of pull request `pr` on acme/models. */
  head: string;
  pr: number;
  close(): Promise<void>;
}

export const MODELS = { owner: "acme", repo: "models" };

/** Starts a simulator with webhooks to a local receiver that answers 200. */
export async function startGraphQLScene(): Promise<GraphQLScene> {
  const sim = await startGitHubSim();
  const receiver = createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  sim.webhooks.configure({
    url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    secret: "s",
  });
  const app = sim.state.createApp({
    slug: "modelgate",
    permissions: {
      checks: "write",
      pull_requests: "write",
      issues: "write",
      contents: "read",
      metadata: "read",
    },
    events: ["issue_comment"],
  });
  sim.state.createRepo({ owner: "acme", name: "models", files: { "modelgate.yml": "models: []\n" } });
  sim.state.createRepo({ owner: "acme", name: "data", files: { "README.md": "# data\n" } });
  const installation = sim.state.installApp(app, "acme");
  const bot = new Octokit(simOctokitOptions(sim, { auth: sim.state.installationToken(installation) }));
  const head = sim.state.pushCommit("acme/models", { branch: "challenger", files: { "m.txt": "2\n" } });
  const pr = sim.state.openPullRequest("acme/models", { head: "challenger", user: "alice" }).number;
  return {
    sim,
    app,
    bot,
    head,
    pr,
    close: async () => {
      await sim.close();
      await new Promise((r) => receiver.close(r));
    },
  };
}

/** The value at a dotted path of a GraphQL answer (`repository.pullRequest.comments`). */
export function at<T = unknown>(value: unknown, path: string): T {
  let v = value;
  for (const key of path.split(".")) v = (v as Record<string, unknown> | null | undefined)?.[key];
  return v as T;
}

/** A GraphQL answer with errors, as octokit's GraphqlResponseError carries it. */
export async function failing(
  p: Promise<unknown>,
): Promise<{ data: unknown; errors: Array<Record<string, unknown>> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name?: string; data?: unknown; errors?: Array<Record<string, unknown>> };
    if (err.name === "GraphqlResponseError") return { data: err.data, errors: err.errors ?? [] };
    throw e;
  }
  throw new Error("expected GraphQL errors");
}

/** Runs `fn`, checks that it added violations matching `pattern`, and removes them (afterAll stays clean). */
export async function expectViolations(
  sim: GitHubSim,
  pattern: RegExp,
  fn: () => Promise<unknown>,
): Promise<void> {
  const before = sim.violations.length;
  await fn();
  const added = sim.violations.splice(before);
  expect(added.length).toBeGreaterThan(0);
  for (const v of added) expect(`${v.operationId} ${v.message}`).toMatch(pattern);
}
