/**
 * Starts the inference server: loads the versions to serve, listens, polls the registry and
 * swaps versions as aliases move, and drains on request (SIGTERM in the command line).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FollowEvent, ModelTable, OnLoading } from "../src/serve/model-table.js";
import { createServeHandler, type HandlerOptions } from "./http-server.js";
import type { JsonLog } from "./json-log.js";
import type { ServeMetrics } from "./metrics.js";
import type { RegistrySnapshot } from "./registry-sources.js";

/** How long nothing must be in flight before a drain closes the remaining connections. */
const QUIET_MS = 1000;

/** Everything the server needs; the adapter (command line, tests) builds it. */
export interface ServerOptions extends Omit<HandlerOptions, "table" | "metrics" | "log"> {
  table: ModelTable;
  metrics: ServeMetrics;
  log: JsonLog;
  snapshot: RegistrySnapshot;
  host: string;
  port: number;
  /** How often the registry is read, in milliseconds (0: only at start). */
  pollMs: number;
  /** Told of every load and failure (deployment statuses). */
  onFollow?: (events: FollowEvent[], commit: string | undefined) => void | Promise<void>;
  /** Told before a version starts loading. */
  onLoading?: OnLoading;
}

/** A running server. */
export interface RunningServer {
  url: string;
  server: Server;
  /** Reads the registry now and swaps what moved (also run every poll). */
  refresh(): Promise<FollowEvent[]>;
  /** Stops accepting, answers what is in flight, closes; resolves false when `ms` ran out first. */
  drain(ms: number): Promise<boolean>;
}

/** Starts listening and following; the first registry read completes before it resolves. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { table, metrics, log } = options;
  const handler = createServeHandler(options);
  let refreshing: Promise<FollowEvent[]> | null = null;
  const refresh = (): Promise<FollowEvent[]> => {
    // One refresh at a time: a slow poll is not overtaken by the next.
    refreshing ??= (async () => {
      try {
        const source = await options.snapshot();
        const events = await table.refresh(source, options.onLoading);
        for (const e of events) report(e);
        await options.onFollow?.(events, source.commit);
        return events;
      } catch (e) {
        log.event({ msg: "registry read failed", error: e instanceof Error ? e.message : String(e) });
        return [];
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  };
  const report = (e: FollowEvent) => {
    if (e.kind === "loaded") {
      metrics.loadSeconds.observe({ model: e.model }, e.ms / 1000);
      metrics.currentVersion.set({ model: e.model, alias: e.alias }, e.version);
      log.event({
        msg: "model loaded",
        model: e.model,
        alias: e.alias,
        version: e.version,
        previous: e.previous,
        ms: e.ms,
      });
    } else if (e.kind === "failed") {
      metrics.loadFailures.inc({ model: e.model });
      log.event({
        msg: "model refused",
        model: e.model,
        alias: e.alias,
        version: e.version,
        error: e.reason,
      });
    } else log.event({ msg: "model not found", model: e.model, alias: e.alias, error: e.reason });
  };

  await refresh();
  const server = createServer({ keepAliveTimeout: 5000 }, handler.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  const timer = options.pollMs > 0 ? setInterval(() => void refresh(), options.pollMs) : null;
  timer?.unref();
  log.event({
    msg: "listening",
    url,
    models: table.loaded().map((c) => `${c.served.name} v${c.served.version}`),
  });

  return {
    url,
    server,
    refresh,
    async drain(ms) {
      if (timer) clearInterval(timer);
      handler.startDrain();
      log.event({ msg: "draining", inFlight: handler.inFlight });
      // Still listening, not ready: requests already on their way (in a connection backlog, or
      // unparsed bytes on a keep-alive connection) are answered, with `Connection: close`.
      // Closing the listener or idle connections at once would reset them.
      const deadline = performance.now() + ms;
      let quietSince = performance.now();
      while (performance.now() < deadline) {
        if (handler.inFlight > 0) quietSince = performance.now();
        else if (performance.now() - quietSince >= Math.min(QUIET_MS, ms / 2)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      while (handler.inFlight > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const clean = handler.inFlight === 0;
      server.closeAllConnections();
      await closed;
      log.event({ msg: "stopped", clean });
      return clean;
    },
  };
}
