/**
 * A repository set up like examples/cars (registry with production v1) in the GitHub
 * simulator, the modelgate app installed and served by the real server (app/server.ts) over
 * loopback, and webhooks delivered to it. Artifacts are made by running the engine on the cars
 * example, with only the head commit changed to the scenario's.
 */
import path from "node:path";
import { ProbotOctokit } from "probot";
import { appManifest, exampleFiles } from "../../demo/example-files.js";
import { canonicalJson } from "../../src/canonical-json.js";
import type { Report } from "../../src/report/report-schema.js";
import { evaluateProject } from "../../src/run/evaluate-project.js";
import { loadChampion, registryDirOf, workingTreeSource } from "../../src/model/load-model.js";
import { loadProject } from "../../src/project/load-project.js";
import type { ArtifactLimits } from "../../app/load-run-reports.js";
import { startServer, type RunningServer } from "../../app/server.js";
import {
  startGitHubSim,
  type GitHubSim,
  type Permissions,
  type SimApp,
  type SimWorkflowRun,
} from "../github-sim/index.js";
import { simProbotOctokit } from "../github-sim/octokit-options.js";

export const REPO = "acme/models";
export const WORKFLOW = ".github/workflows/modelgate.yml";
export const SECRET = "scenario-secret";
const CARS = path.resolve("examples/cars");

/** The cars example's files, as a user would commit them at the repository root. */
export function carsFiles(): Record<string, string> {
  return exampleFiles(path.resolve("."), "cars");
}

export interface CarsRun {
  report: Report;
  modelText: string;
}

let evaluated: Promise<CarsRun> | undefined;

/** The engine's report and model file for the cars example against its production v1 (computed once per file). */
export function carsRun(): Promise<CarsRun> {
  evaluated ??= (async () => {
    const project = loadProject(path.join(CARS, "modelgate.yml"), { displayBase: process.cwd() });
    const source = workingTreeSource(project.root);
    const registryDir = registryDirOf(project.root, project.registryDir);
    const result = await evaluateProject(project, {
      displayBase: process.cwd(),
      championOf: (model) => loadChampion(source, registryDir, model),
      head: { sha: null, ref: null },
    });
    const first = result.evaluations[0];
    if (!first) throw new Error("the cars example evaluated no model");
    return { report: result.report, modelText: first.modelText };
  })();
  return evaluated;
}

/** The files of a `modelgate-report-mpg` artifact for `headSha`; `edit` may change the report. */
export async function carsArtifact(
  headSha: string,
  edit: (report: Report) => void = () => undefined,
): Promise<Record<string, string>> {
  const { report, modelText } = await carsRun();
  const copy = structuredClone(report);
  copy.head = { sha: headSha, ref: null };
  edit(copy);
  return {
    "report.json": canonicalJson(copy),
    "models/mpg.json": modelText,
    // Written by the PR's run; the app must never post these.
    "report.md": "# REPORT.MD FROM THE RUN @everyone <img src=x onerror=alert(1)>\n",
    "report.html": "<script>alert('run')</script>",
  };
}

export interface Scenario {
  sim: GitHubSim;
  app: SimApp;
  server: RunningServer;
  webhookUrl: string;
  /** Opens a PR from a new branch of REPO (or of `from`, a fork) changing `file`. */
  openPull(branch: string, options?: { from?: string; user?: string }): number;
  /** Runs the watched workflow for a PR; the job uploads `artifacts(run)` (name -> files). */
  runWorkflow(
    pull: number,
    artifacts: (run: SimWorkflowRun) => Promise<Record<string, Record<string, string | Buffer>>>,
    options?: { exitCode?: number; job?: Parameters<GitHubSim["runWorkflow"]>[0]["job"] },
  ): Promise<SimWorkflowRun>;
  headSha(pull: number): string;
  close(): Promise<void>;
}

/** The permissions and events of app.yml: the app is installed with exactly these. */
export function manifest(): { permissions: Permissions; events: string[] } {
  return appManifest(path.resolve(".")) as { permissions: Permissions; events: string[] };
}

/** ProbotOctokit for the simulator (see `simProbotOctokit`). */
export function simProbotOctokitFor(sim: GitHubSim): typeof ProbotOctokit {
  return simProbotOctokit(ProbotOctokit, sim);
}

/** Starts the simulator, the repository, the installed app and its server. */
export async function startScenario(
  options: { files?: Record<string, string>; slug?: string; limits?: ArtifactLimits } = {},
): Promise<Scenario> {
  const sim = await startGitHubSim();
  const app = sim.state.createApp({
    slug: options.slug ?? "modelgate",
    ...manifest(),
  });
  sim.state.createRepo({ owner: "acme", name: "models", files: options.files ?? carsFiles() });
  sim.state.installApp(app, "acme");
  const server = await startServer(
    {
      appId: String(app.id),
      privateKey: app.privateKey,
      secret: SECRET,
      port: 0,
      host: "127.0.0.1",
      webhookPath: "/api/github/webhooks",
      baseUrl: sim.url,
      logLevel: "fatal",
      development: false,
    },
    { Octokit: simProbotOctokitFor(sim), ...(options.limits ? { limits: options.limits } : {}) },
  );
  const webhookUrl = `${server.url}/api/github/webhooks`;
  sim.webhooks.configure({ url: webhookUrl, secret: SECRET });
  let counter = 0;
  const scenario: Scenario = {
    sim,
    app,
    server,
    webhookUrl,
    openPull(branch, o = {}) {
      const headRepo = o.from ?? REPO;
      counter += 1;
      sim.state.pushCommit(headRepo, {
        branch,
        files: { [`notes/${branch}.md`]: `change ${counter}\n` },
        message: `change ${branch}`,
      });
      return sim.state.openPullRequest(REPO, {
        head: branch,
        ...(o.from ? { from: o.from } : {}),
        ...(o.user ? { user: o.user } : {}),
      }).number;
    },
    headSha(pull) {
      return sim.state.issue(REPO, pull).pull!.headSha;
    },
    async runWorkflow(pull, artifacts, o = {}) {
      const result = await sim.runWorkflow({
        repo: REPO,
        pullNumber: pull,
        path: WORKFLOW,
        name: "modelgate",
        job:
          o.job ??
          (async ({ run }) => {
            for (const [name, files] of Object.entries(await artifacts(run)))
              sim.state.addArtifact(run, name, files);
            return o.exitCode ?? 0;
          }),
      });
      await sim.webhooks.settle();
      return result.run;
    },
    async close() {
      await sim.webhooks.settle();
      await server.close();
      await sim.close();
    },
  };
  return scenario;
}

/** Sends a delivery again exactly as it was sent (same id, body and signature): a redelivery. */
export async function redeliver(
  scenario: Scenario,
  match: { event: string; action?: string; where?: (payload: Record<string, unknown>) => boolean },
): Promise<number> {
  const delivery = [...scenario.sim.webhooks.deliveries]
    .reverse()
    .find(
      (d) =>
        d.event === match.event &&
        (match.action === undefined || d.action === match.action) &&
        (match.where === undefined || match.where(d.payload)),
    );
  if (!delivery) throw new Error(`no ${match.event}.${match.action ?? "*"} delivery to redeliver`);
  const response = await fetch(scenario.webhookUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": delivery.event,
      "x-github-delivery": delivery.id,
      "x-hub-signature-256": delivery.signature256,
    },
    body: delivery.body,
  });
  await response.arrayBuffer();
  await scenario.sim.webhooks.settle();
  return response.status;
}

/** Comments written by the app's bot user on an issue or PR. */
export function appComments(scenario: Scenario, number: number) {
  return scenario.sim.state
    .comments(REPO, number)
    .filter((c) => c.user.login === `${scenario.app.slug}[bot]`);
}

/**
 * A webhook receiver that answers GitHub at once and forwards to the app in the background, so
 * deliveries are handled concurrently (GitHub does not wait for one delivery before the next;
 * the simulator does). `settle()` waits for every forwarded delivery.
 */
export async function concurrentReceiver(target: string): Promise<{
  url: string;
  statuses: number[];
  settle(): Promise<void>;
  close(): Promise<void>;
}> {
  const { createServer } = await import("node:http");
  const pending = new Set<Promise<void>>();
  const statuses: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(202).end();
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "x-github-event", "x-github-delivery", "x-hub-signature-256"])
        headers[name] = String(req.headers[name] ?? "");
      const forwarded = fetch(target, { method: "POST", headers, body: Buffer.concat(chunks) })
        .then(async (r) => {
          statuses.push(r.status);
          await r.arrayBuffer();
        })
        .finally(() => pending.delete(forwarded));
      pending.add(forwarded);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    statuses,
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
