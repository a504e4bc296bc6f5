/** `modelgate serve`: serve the models an alias points to, over HTTP, following the registry. */
import path from "node:path";
import { UsageError } from "../../src/errors.js";
import type { ServeSettings } from "../../serve/open-server.js";
import { defineCommand, type CommandDefinition } from "../args.js";

const definition = {
  name: "serve",
  summary: "serve models over HTTP (Open Inference Protocol and MLflow /invocations), following the registry",
  usage:
    "modelgate serve [--model NAME ...] [--alias production] [--version N] [--port 8080] [--config FILE]",
  details: [
    "      --model NAME        a model to serve (repeat for several; default every model)",
    "      --alias ALIAS       the alias to follow (default production)",
    "      --version N         serve version N whatever the alias says (one model; canaries)",
    "      --host HOST         address to listen on (default 0.0.0.0)",
    "      --port PORT         port (default 8080; 0 picks a free one)",
    "      --poll SECONDS      how often to read the registry (default 10; 0: only at start)",
    "      --max-body BYTES    largest request body (default 5000000)",
    "      --max-rows N        most rows per request (default 10000)",
    "      --batch-wait MS     adaptive batching: wait up to MS for more requests (default 0: off)",
    "      --batch-rows N      adaptive batching: most rows per model call (default 1024)",
    "      --log-sample RATE   share of successful requests logged, 0 to 1 (default 0.01)",
    "      --log-payloads      log request bodies too (off by default)",
    "      --prediction-log F  append every prediction to JSON Lines file F",
    "      --prediction-log-bytes N  rotate it past N bytes (default 100000000), keeping 5 files",
    "      --drain SECONDS     on SIGTERM, wait at most this long for requests in flight (default 30)",
    "      --github OWNER/REPO read the registry through GitHub's contents API (token in GITHUB_TOKEN)",
    "      --branch NAME       the branch read with --github (default main)",
    "      --deployments       post GitHub deployment statuses (with --github)",
    "      --url URL           the server's public URL for deployment statuses",
  ],
  options: {
    model: { type: "string", multiple: true },
    alias: { type: "string", default: "production" },
    version: { type: "string" },
    host: { type: "string", default: "0.0.0.0" },
    port: { type: "string", default: "8080" },
    poll: { type: "string", default: "10" },
    "max-body": { type: "string", default: "5000000" },
    "max-rows": { type: "string", default: "10000" },
    "batch-wait": { type: "string", default: "0" },
    "batch-rows": { type: "string", default: "1024" },
    "log-sample": { type: "string", default: "0.01" },
    "log-payloads": { type: "boolean", default: false },
    "prediction-log": { type: "string" },
    "prediction-log-bytes": { type: "string", default: "100000000" },
    drain: { type: "string", default: "30" },
    github: { type: "string" },
    branch: { type: "string", default: "main" },
    deployments: { type: "boolean", default: false },
    url: { type: "string" },
  },
} satisfies CommandDefinition;

/** A number flag within [min, max]; a usage error naming the flag otherwise. */
function numberFlag(flag: string, text: string, min: number, max: number, integer = true): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    throw new UsageError(
      `serve: --${flag} is "${text}"; expected ${integer ? "a whole number" : "a number"} from ${min} to ${max}`,
    );
  return v;
}

export const serveCommand = defineCommand(definition, async ({ values }, io) => {
  let version: number | undefined;
  if (values.version !== undefined) {
    version = numberFlag("version", values.version.replace(/^v/, ""), 1, 1e9);
    if (values.model?.length !== 1)
      throw new UsageError("serve: --version pins one model's version", "name that model with --model NAME");
  }
  let github: ServeSettings["github"];
  if (values.github) {
    const m = /^([\w.-]+)\/([\w.-]+)$/.exec(values.github);
    if (!m) throw new UsageError(`serve: --github is "${values.github}"; expected OWNER/REPO`);
    const token = process.env.GITHUB_TOKEN;
    // Loaded here, not at start: the other commands do not pay for the server's dependencies.
    const { Octokit } = await import("octokit");
    const client = new Octokit({
      ...(token ? { auth: token } : {}),
      ...(process.env.GITHUB_API_URL ? { baseUrl: process.env.GITHUB_API_URL } : {}),
    });
    github = { client, owner: m[1]!, repo: m[2]!, branch: values.branch };
  } else if (values.deployments)
    throw new UsageError(
      "serve: --deployments needs --github OWNER/REPO",
      "deployment statuses are posted to GitHub",
    );
  const settings: ServeSettings = {
    configFile: path.resolve(io.cwd, values.config),
    ...(values.model ? { models: values.model } : {}),
    alias: values.alias,
    ...(version !== undefined ? { version } : {}),
    host: values.host,
    port: numberFlag("port", values.port, 0, 65535),
    pollMs: numberFlag("poll", values.poll, 0, 86400, false) * 1000,
    maxBodyBytes: numberFlag("max-body", values["max-body"], 1, 2 ** 31),
    maxRows: numberFlag("max-rows", values["max-rows"], 1, 1e7),
    batchWaitMs: numberFlag("batch-wait", values["batch-wait"], 0, 1000, false),
    batchMaxRows: numberFlag("batch-rows", values["batch-rows"], 1, 1e7),
    logSample: numberFlag("log-sample", values["log-sample"], 0, 1, false),
    logPayloads: values["log-payloads"],
    ...(values["prediction-log"]
      ? {
          predictionLog: {
            file: path.resolve(io.cwd, values["prediction-log"]),
            maxBytes: numberFlag("prediction-log-bytes", values["prediction-log-bytes"], 1, 2 ** 50),
            keep: 5,
          },
        }
      : {}),
    drainMs: numberFlag("drain", values.drain, 0, 3600, false) * 1000,
    ...(github ? { github } : {}),
    ...(values.deployments ? { deployments: values.url ? { url: values.url } : {} } : {}),
  };
  const { runServe } = await import("../../serve/open-server.js");
  return runServe(settings, (line) => io.err(line));
});
