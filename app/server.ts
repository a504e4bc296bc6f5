/**
 * `npm run app`: the modelgate app on Probot's Node middleware, plus `GET /healthz`.
 *
 * It refuses to start without WEBHOOK_SECRET, APP_ID and a private key (PRIVATE_KEY or
 * PRIVATE_KEY_PATH) unless NODE_ENV=development: Probot alone would accept every delivery
 * signed with the secret "development". Nothing is kept between requests, so any number of
 * replicas can serve the same app (see app/README.md).
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { ProbotOctokit } from "probot";
import { Probot } from "probot";
import type { AppIdentity } from "./github-client.js";
import type { ArtifactLimits } from "./artifact-limits.js";
import type { ListingWait } from "./read-your-write.js";
import { AppOctokit } from "./app-octokit.js";
import { modelgateApp, type ModelgateAppOptions } from "./modelgate-app.js";
import { webhookEndpoint } from "./webhook-endpoint.js";
import type { InstallationsPassOutcome } from "./reconcile-installations.js";
import { scheduleReconcile, type ReconcileSchedule, type ReconcileScheduler } from "./reconcile-schedule.js";

/** Settings of the server, from the environment. */
export interface ServerSettings {
  appId: string;
  privateKey: string;
  secret: string;
  port: number;
  host: string;
  webhookPath: string;
  /** REST base URL for GitHub Enterprise Server (or a test double); GitHub.com by default. */
  baseUrl: string | undefined;
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal";
  development: boolean;
  /** When to run the reconciliation pass (reconcile-schedule.ts); none when absent. */
  reconcile?: ReconcileSchedule;
}

/** The environment lacks what the server needs; the message says what to set. */
export class ServerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerConfigError";
  }
}

const LOG_LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

/** PRIVATE_KEY as PEM, with escaped newlines or base64 (as hosts that take one-line values store it). */
function normaliseKey(value: string): string {
  const text = value.trim();
  if (text.includes("-----BEGIN")) return text.replace(/\\n/g, "\n").trim();
  const decoded = Buffer.from(text, "base64").toString("utf8");
  if (decoded.includes("-----BEGIN")) return decoded.trim();
  throw new ServerConfigError("PRIVATE_KEY is neither a PEM key nor a base64-encoded one");
}

/** Reads and checks the server's settings; throws ServerConfigError naming every missing variable. */
export function readServerSettings(env: NodeJS.ProcessEnv): ServerSettings {
  const development = env.NODE_ENV === "development";
  let privateKey = env.PRIVATE_KEY ? normaliseKey(env.PRIVATE_KEY) : undefined;
  if (!privateKey && env.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(env.PRIVATE_KEY_PATH, "utf8");
    } catch {
      throw new ServerConfigError(`PRIVATE_KEY_PATH names ${env.PRIVATE_KEY_PATH}, which cannot be read`);
    }
  }
  const missing = [
    !env.WEBHOOK_SECRET && "WEBHOOK_SECRET (the app's webhook secret)",
    !env.APP_ID && "APP_ID (the app's numeric id)",
    !privateKey && "PRIVATE_KEY or PRIVATE_KEY_PATH (the app's private key)",
  ].filter((m): m is string => typeof m === "string");
  if (missing.length > 0 && !development)
    throw new ServerConfigError(
      `modelgate will not start without ${missing.join(", ")}. Set them from the app's settings page; NODE_ENV=development runs without them for local trials only.`,
    );
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ServerConfigError(`PORT is not a port number: ${env.PORT}`);
  const minutes = Number(env.RECONCILE_INTERVAL_MINUTES ?? 30);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new ServerConfigError(
      `RECONCILE_INTERVAL_MINUTES must be a number of minutes (0 for a pass at start-up only): ${env.RECONCILE_INTERVAL_MINUTES}`,
    );
  const logLevel = env.LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.has(logLevel))
    throw new ServerConfigError(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(", ")}`);
  return {
    appId: env.APP_ID ?? "1",
    // Development without a key: a throwaway one, so deliveries are received (API calls will fail).
    privateKey:
      privateKey ??
      generateKeyPairSync("rsa", { modulusLength: 2048 })
        .privateKey.export({ type: "pkcs8", format: "pem" })
        .toString(),
    secret: env.WEBHOOK_SECRET ?? "development",
    port,
    host: env.HOST ?? "0.0.0.0",
    webhookPath: env.WEBHOOK_PATH ?? "/api/github/webhooks",
    baseUrl: env.GITHUB_API_URL || undefined,
    logLevel: logLevel as ServerSettings["logLevel"],
    development,
    reconcile: { atStart: true, everyMs: Math.round(minutes * 60_000) },
  };
}

export interface RunningServer {
  server: Server;
  /** `http://host:port` the server listens on. */
  url: string;
  probot: Probot;
  /** The reconciliation schedule, when `settings.reconcile` asked for one. */
  reconciler: ReconcileScheduler | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Octokit class for the app's clients (default AppOctokit; tests pass one for a local GitHub). */
  Octokit?: typeof ProbotOctokit;
  identity?: AppIdentity;
  /** Limits on report artifacts (default ARTIFACT_LIMITS). */
  limits?: ArtifactLimits;
  /** How long to wait for the app's own write to show in a listing. */
  listingWait?: ListingWait;
  /** Told of every handled event (time, API calls). */
  onHandled?: ModelgateAppOptions["onHandled"];
}

/**
 * Starts the HTTP server: webhooks at `settings.webhookPath` (see webhook-endpoint.ts for how hostile
 * traffic is refused), `GET /healthz`, 404 otherwise.
 */
export async function startServer(
  settings: ServerSettings,
  options: StartOptions = {},
): Promise<RunningServer> {
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    secret: settings.secret,
    logLevel: settings.logLevel,
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    Octokit: options.Octokit ?? AppOctokit,
  });
  let pass: (() => Promise<InstallationsPassOutcome>) | undefined;
  await probot.load(
    modelgateApp({
      identity: options.identity,
      limits: options.limits,
      listingWait: options.listingWait,
      onHandled: options.onHandled,
      reconciler: (p) => {
        pass = p;
      },
    }),
  );
  const receiveWebhook = webhookEndpoint({
    secret: settings.secret,
    receive: (event) => probot.receive(event as Parameters<Probot["receive"]>[0]),
    log: probot.log,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok" }));
      return;
    }
    if (path === settings.webhookPath) {
      void receiveWebhook(req, res);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const reconciler =
    settings.reconcile && pass ? scheduleReconcile(pass, settings.reconcile, probot.log) : undefined;
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    probot,
    reconciler,
    close: async () => {
      await reconciler?.stop();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
}

/** Starts the server from the environment: `npm run app`, and the npm package's `modelgate-app`. */
export async function main(): Promise<void> {
  let settings: ServerSettings;
  try {
    settings = readServerSettings(process.env);
  } catch (error) {
    if (!(error instanceof ServerConfigError)) throw error;
    console.error(`modelgate app: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  const running = await startServer(settings);
  running.probot.log.info(
    `modelgate app listening on ${running.url}${settings.webhookPath}${settings.development ? " (development mode)" : ""}`,
  );
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
