/**
 * Several replicas of the app (each the real server, app/server.ts, with its own Probot and
 * Octokit, as separate processes would have) against one GitHub simulator, with webhooks held
 * back so that a test sends them in the interleaving it wants: any order, duplicated, several in
 * flight, to any replica.
 */
import type { ListingWait } from "../../app/read-your-write.js";
import { startServer, type RunningServer } from "../../app/server.js";
import type { HandledEvent } from "../../app/modelgate-app.js";
import type { RetryEvent } from "../../app/octokit-resilience.js";
import { startGitHubSim, type GitHubSim, type SimApp } from "../github-sim/index.js";
import { carsFiles, manifest, REPO, SECRET, simAppOctokit } from "./scenario.js";

export interface Replicas {
  sim: GitHubSim;
  app: SimApp;
  servers: RunningServer[];
  /** Webhook url of each replica. */
  urls: string[];
  /** Retries the replicas' Octokit made (rate limits, failures). */
  retries: RetryEvent[];
  /** Every event a replica handled: time and API calls. */
  handled: HandledEvent[];
  /** Stops one replica at once (in-flight handling is cut off with its connections). */
  kill(index: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the simulator with REPO as the cars example, the app installed, and `count` replicas;
 * `events` narrows the events rendered as deliveries (default: every one the app subscribes to).
 */
export async function startReplicas(
  count: number,
  options: { listingWait?: ListingWait; hold?: boolean; events?: string[] } = {},
): Promise<Replicas> {
  const sim = await startGitHubSim();
  const app = sim.state.createApp({ slug: "modelgate", ...manifest() });
  sim.state.createRepo({ owner: "acme", name: "models", files: carsFiles() });
  sim.state.installApp(app, "acme");
  const retries: RetryEvent[] = [];
  const handled: HandledEvent[] = [];
  // The app's own Octokit, with a second of waiting lasting 1 ms.
  const Octokit = simAppOctokit(sim, { onRetry: (e) => retries.push(e) });
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      startServer(
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
        {
          Octokit,
          onHandled: (h) => handled.push(h),
          ...(options.listingWait ? { listingWait: options.listingWait } : {}),
        },
      ),
    ),
  );
  const urls = servers.map((s) => `${s.url}/api/github/webhooks`);
  sim.webhooks.configure({
    url: urls[0]!,
    replicas: urls,
    secret: SECRET,
    hold: options.hold ?? true,
    ...(options.events ? { events: options.events } : {}),
  });
  const closed = new Set<number>();
  return {
    sim,
    app,
    servers,
    urls,
    retries,
    handled,
    async kill(index) {
      if (closed.has(index)) return;
      closed.add(index);
      await servers[index]!.close();
    },
    async close() {
      await Promise.all(servers.map((s, i) => (closed.has(i) ? undefined : s.close())));
      await sim.close();
    },
  };
}

export { REPO };
