/**
 * The server from settings: the project's specs, the registry source, the models to serve, the
 * logs and metrics; and `runServe`, which serves until SIGTERM or SIGINT and drains.
 */
import { registryDirOf } from "../src/model/load-model.js";
import { ModelTable, type ModelLoader, loadRegistryModel } from "../src/serve/model-table.js";
import { loadProject } from "../src/project/load-project.js";
import { DeploymentReporter, type DeploymentsClient } from "./deployment-status.js";
import { createJsonLog, type JsonLog } from "./json-log.js";
import { createMetrics } from "./metrics.js";
import { PredictionLog, type PredictionLogOptions } from "./prediction-log.js";
import { checkoutSnapshot, githubSnapshot, type ContentsClient } from "./registry-sources.js";
import { startServer, type RunningServer } from "./start-server.js";

/** What `modelgate serve` was asked to do. */
export interface ServeSettings {
  configFile: string;
  /** Models to serve (default: every model of modelgate.yml). */
  models?: string[];
  alias: string;
  /** A pinned version (one model only). */
  version?: number;
  host: string;
  port: number;
  pollMs: number;
  maxBodyBytes: number;
  maxRows: number;
  batchWaitMs: number;
  batchMaxRows: number;
  logSample: number;
  logPayloads: boolean;
  predictionLog?: PredictionLogOptions;
  drainMs: number;
  /** Read the registry through GitHub's contents API at `branch` instead of the checkout. */
  github?: {
    client: ContentsClient & Partial<DeploymentsClient>;
    owner: string;
    repo: string;
    branch: string;
  };
  /** Post deployment statuses (needs `github`); `url` is the server's public address. */
  deployments?: { url?: string };
  /** Turns a version's file into a model (default: built-in model files). */
  loader?: ModelLoader;
  log?: JsonLog;
}

/** Starts a server for `settings`; the caller drains it. */
export async function openServer(settings: ServeSettings): Promise<RunningServer> {
  const project = loadProject(settings.configFile, settings.models ? { only: settings.models } : {});
  const targets = project.models.map((m) => ({
    model: m.name,
    alias: settings.alias,
    ...(settings.version !== undefined ? { version: settings.version } : {}),
    dataSpec: m.data,
  }));
  const table = new ModelTable(
    targets,
    registryDirOf(project.root, project.registryDir),
    settings.loader ?? loadRegistryModel,
  );
  const log = settings.log ?? createJsonLog(settings.logSample);
  const metrics = createMetrics();
  const github = settings.github;
  const snapshot = github
    ? githubSnapshot(github.client, { owner: github.owner, repo: github.repo }, github.branch)
    : checkoutSnapshot(project.root);
  let reporter: DeploymentReporter | null = null;
  let publicUrl = settings.deployments?.url ?? "";
  const guard = (what: string, p: Promise<void>) =>
    p.catch((e: unknown) =>
      log.event({ msg: `${what} failed`, error: e instanceof Error ? e.message : String(e) }),
    );
  const { predictionLog, ...rest } = settings;
  const running = await startServer({
    ...rest,
    table,
    log,
    metrics,
    snapshot,
    serverVersion: "0.1.0",
    ...(predictionLog ? { predictionLog: new PredictionLog(predictionLog) } : {}),
    onLoading: (model, alias, version) =>
      reporter ? guard("deployment status", reporter.loading(alias, model, version)) : Promise.resolve(),
    onFollow: async (events) => {
      if (!reporter) return;
      for (const e of events) await guard("deployment status", reporter.followed(e));
      await guard("deployment status", reporter.settle(serving(table)));
    },
  });
  if (settings.deployments && github?.client.rest.repos.createDeploymentStatus) {
    publicUrl ||= running.url;
    reporter = new DeploymentReporter({
      client: github.client as DeploymentsClient,
      repo: { owner: github.owner, repo: github.repo },
      url: publicUrl,
    });
    // The first load happened before the URL was known: report it now.
    for (const c of table.loaded())
      await guard(
        "deployment status",
        reporter.followed({
          kind: "loaded",
          model: c.served.name,
          alias: c.alias,
          version: c.served.version,
          previous: null,
          ms: 0,
        }),
      );
  }
  return running;
}

/** What `table` serves now, for settling deployments. */
function serving(table: ModelTable) {
  return table.loaded().map((c) => ({ model: c.served.name, alias: c.alias, version: c.served.version }));
}

/** Serves until SIGTERM or SIGINT, then drains within `drainMs`; resolves 0 after a clean drain. */
export async function runServe(settings: ServeSettings, announce: (line: string) => void): Promise<number> {
  const running = await openServer(settings);
  announce(`serving on ${running.url}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  announce(`${signal}: draining (at most ${settings.drainMs} ms)\n`);
  const clean = await running.drain(settings.drainMs);
  return clean ? 0 : 3;
}
