/**
 * The app's replicas for the app-traffic bench, in a process of their own: each the real server
 * (app/server.ts, its own Probot and Octokit) against the simulator at the URL it is given, so
 * that the simulator's work (every request and response checked against GitHub's OpenAPI
 * description, every delivery against its webhook schema) does not run on the replicas' thread,
 * as GitHub's does not run on an App's machine.
 *
 * Started by bench/app-traffic.ts with `fork`; the configuration comes as the first message:
 * `{ simUrl, appId, privateKey, secret, replicas, msPerSecond }`. Sends `{ urls }` once every
 * replica listens and has run its start-up reconciliation pass (as the App does by default), then `{ handled }` per event and `{ retry }` per retried request; answers
 * `"cpu"` with `{ cpu }` (its process.cpuUsage()); closes the servers and exits on `"close"`.
 */
import { AppOctokit } from "../app/app-octokit.js";
import type { RetryEvent } from "../app/octokit-resilience.js";
import { startServer, type RunningServer } from "../app/server.js";
import { simProbotOctokit } from "../test/github-sim/octokit-options.js";

export interface ReplicasConfig {
  simUrl: string;
  appId: string;
  privateKey: string;
  secret: string;
  replicas: number;
  /** How long a second of `retry-after` lasts, in milliseconds. */
  msPerSecond: number;
}

const send = (message: unknown) => process.send?.(message);

async function start(config: ReplicasConfig): Promise<RunningServer[]> {
  const Octokit = simProbotOctokit(AppOctokit, { url: config.simUrl }).defaults(
    (instance: Record<string, unknown>) => ({
      ...instance,
      resilience: { msPerSecond: config.msPerSecond, onRetry: (retry: RetryEvent) => send({ retry }) },
    }),
  ) as typeof AppOctokit;
  return Promise.all(
    Array.from({ length: config.replicas }, () =>
      startServer(
        {
          appId: config.appId,
          privateKey: config.privateKey,
          secret: config.secret,
          port: 0,
          host: "127.0.0.1",
          webhookPath: "/api/github/webhooks",
          baseUrl: config.simUrl,
          logLevel: "fatal",
          development: false,
          // As `modelgate-app` runs by default: a reconciliation pass once it listens.
          reconcile: { atStart: true, everyMs: 0 },
        },
        { Octokit, onHandled: (handled) => send({ handled }) },
      ),
    ),
  );
}

let servers: RunningServer[] = [];
process.on("message", (message: ReplicasConfig | "close" | "cpu") => {
  if (message === "cpu") {
    send({ cpu: process.cpuUsage() });
    return;
  }
  if (message === "close") {
    void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
    return;
  }
  void start(message).then(
    (started) => {
      servers = started;
      // Ready as a deployment is: the start-up pass has run (on a repository without PRs yet).
      return Promise.all(started.map((s) => s.reconciler?.runNow())).then(() =>
        send({ urls: started.map((s) => `${s.url}/api/github/webhooks`) }),
      );
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
