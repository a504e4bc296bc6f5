/**
 * The inference server's HTTP handler: both protocols on one port, over the engine's request
 * decoding, validation and response encoding. Holds no state replicas must share.
 *
 * 1. Route the request (src/serve/route-request.ts).
 * 2. For a prediction: take the version serving the model now (kept to the end of the request),
 *    read the body (capped), decode and validate it, score it (coalesced when batching is on).
 * 3. Answer in the protocol's shape; count it, log it (sampled), and log its predictions.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { buildRequestBatch, releaseRequestBatch } from "../src/serve/build-request-batch.js";
import {
  decodeInferRequest,
  decodeInvocationsRequest,
  type TabularRequest,
} from "../src/serve/decode-request.js";
import {
  errorResponse,
  inferResponse,
  invocationsErrorResponse,
  invocationsResponse,
  modelMetadata,
  serverMetadata,
} from "../src/serve/encode-response.js";
import type { CurrentVersion, ModelTable } from "../src/serve/model-table.js";
import { RequestError } from "../src/serve/request-error.js";
import { routeRequest, type Route } from "../src/serve/route-request.js";
import { Batcher } from "./batcher.js";
import type { JsonLog } from "./json-log.js";
import type { ServeMetrics } from "./metrics.js";
import type { PredictionLog, PredictionRecord } from "./prediction-log.js";

/** How the handler behaves; every limit is settable from the command line. */
export interface HandlerOptions {
  table: ModelTable;
  metrics: ServeMetrics;
  log: JsonLog;
  /** Largest request body in bytes. */
  maxBodyBytes: number;
  /** Most rows per request. */
  maxRows: number;
  /** Adaptive batching: longest wait for more requests, in milliseconds (0: off). */
  batchWaitMs: number;
  /** Adaptive batching: most rows per model call. */
  batchMaxRows: number;
  predictionLog?: PredictionLog;
  /** Whether request logs carry the payload (off by default). */
  logPayloads?: boolean;
  /** The server's version, for `GET /v2`. */
  serverVersion: string;
}

/** The handler and what the adapter needs to drain it. */
export interface ServeHandler {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Requests being answered now. */
  readonly inFlight: number;
  /** Marks the server as draining: not ready, connections closed after their answer. */
  startDrain(): void;
  readonly draining: boolean;
}

type Protocol = "v2" | "mlflow" | "other";

/** Creates the request handler. */
export function createServeHandler(options: HandlerOptions): ServeHandler {
  const { table, metrics, log } = options;
  const batcher = new Batcher(options.batchWaitMs, options.batchMaxRows, (model, rows, unseen) => {
    metrics.batchRows.observe({ model: model.name }, rows);
    if (unseen > 0) metrics.unseen.inc({ model: model.name, version: String(model.version) }, unseen);
  });
  let inFlight = 0;
  let draining = false;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": typeof body === "string" ? "text/plain; charset=utf-8" : "application/json",
      "content-length": String(Buffer.byteLength(text)),
      ...(draining ? { connection: "close" } : {}),
      ...headers,
    });
    res.end(text);
  };

  const ready = () => table.ready && !draining;

  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    route: Route,
    started: number,
  ): Promise<void> {
    const protocol: Protocol =
      route.kind === "invocations" || route.kind === "ping"
        ? "mlflow"
        : route.kind === "infer"
          ? "v2"
          : "other";
    let modelName = "";
    let version = "";
    let requestId = headerOf(req, "x-request-id") ?? randomUUID();
    const fail = (e: RequestError) => {
      for (const err of e.errors)
        metrics.validationErrors.inc({ model: modelName, column: err.column ?? "" });
      const body =
        protocol === "mlflow" ? invocationsErrorResponse(e.status, e.errors) : errorResponse(e.errors);
      return { status: e.status, body };
    };
    let status = 200;
    try {
      const out = await respond();
      status = out.status;
      send(res, out.status, out.body, {
        "x-request-id": requestId,
        ...(version ? { "x-model-version": version } : {}),
        ...(out.headers ?? {}),
      });
    } catch (e) {
      if (e instanceof RequestError) {
        const out = fail(e);
        status = out.status;
        // An answer before the whole body was read: the connection cannot be reused.
        send(res, out.status, out.body, {
          "x-request-id": requestId,
          ...(req.complete ? {} : { connection: "close" }),
        });
      } else {
        status = 500;
        log.event({
          msg: "internal error",
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          requestId,
        });
        send(
          res,
          500,
          protocol === "mlflow"
            ? invocationsErrorResponse(500, [{ message: "internal error" }])
            : { error: "internal error" },
        );
      }
    } finally {
      const seconds = (performance.now() - started) / 1000;
      if (protocol !== "other" || route.kind === "model-metadata") {
        metrics.requests.inc({ model: modelName, version, code: String(status), protocol });
        metrics.latency.observe({ model: modelName, protocol }, seconds);
      }
      log.request({
        msg: "request",
        method: req.method,
        path: req.url,
        status,
        model: modelName,
        version,
        requestId,
        ms: Math.round(seconds * 1e6) / 1e3,
      });
    }

    async function respond(): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
      switch (route.kind) {
        case "live":
          return { status: 200, body: { live: true } };
        case "ready":
          return { status: ready() ? 200 : 503, body: { ready: ready() } };
        case "ping":
          return { status: ready() ? 200 : 503, body: ready() ? "\n" : "not ready\n" };
        case "server-metadata":
          return { status: 200, body: serverMetadata(options.serverVersion) };
        case "metrics":
          return {
            status: 200,
            body: await metrics.registry.metrics(),
            headers: { "content-type": metrics.registry.contentType },
          };
        case "not-found":
          throw new RequestError(404, {
            message: `no endpoint ${req.method} ${req.url}`,
            hint: "see GET /v2/models/{name} for a model's endpoints",
          });
        case "method-not-allowed":
          return {
            status: 405,
            body: errorResponse([{ message: `${req.method} is not allowed here; use ${route.allow}` }]),
            headers: { allow: route.allow },
          };
        case "model-metadata":
        case "model-ready": {
          modelName = route.model;
          const current = pick(route.model, route.version);
          version = String(current.served.version);
          if (route.kind === "model-ready")
            return { status: draining ? 503 : 200, body: { name: route.model, ready: !draining } };
          return { status: 200, body: modelMetadata(current.served, current.pinned ? null : current.alias) };
        }
        case "infer":
        case "invocations": {
          const name = route.kind === "infer" ? route.model : invocationsModel(req);
          modelName = name;
          // The version is taken once: a swap during this request does not touch it.
          const current = pick(name, route.kind === "infer" ? route.version : undefined);
          const served = current.served;
          version = String(served.version);
          const body = await readJson(req, options.maxBodyBytes);
          const request =
            route.kind === "infer"
              ? decodeInferRequest(body, served.dataSpec, options)
              : decodeInvocationsRequest(body, options);
          if (request.id !== undefined) requestId = request.id;
          const batch = buildRequestBatch(request, served);
          const predictions = await batcher.score(served, batch);
          // Scored: nothing reads the batch again (the log and the answer use the request).
          releaseRequestBatch(batch);
          metrics.rows.inc({ model: name, version }, batch.length);
          if (options.predictionLog)
            options.predictionLog.write(records(request, predictions, current, requestId));
          if (options.logPayloads) log.event({ msg: "payload", requestId, body });
          return {
            status: 200,
            body:
              route.kind === "infer"
                ? inferResponse(served, predictions, request.id)
                : invocationsResponse(predictions),
          };
        }
      }
    }
  }

  /** The version answering `model` (and, when the path names one, that it is this version). */
  function pick(model: string, version: string | undefined): CurrentVersion {
    const current = table.get(model);
    if (!current) {
      const known = table.targets.some((t) => t.model === model);
      throw new RequestError(known ? 503 : 404, {
        message: known ? `model "${model}" has no version loaded yet` : `there is no model "${model}"`,
        hint: known
          ? "retry once /v2/health/ready answers 200"
          : `models: ${table.targets.map((t) => t.model).join(", ")}`,
      });
    }
    if (version !== undefined && version !== String(current.served.version))
      throw new RequestError(404, {
        message: `version ${version} of "${model}" is not served here`,
        hint: `this server serves v${current.served.version}${current.pinned ? " (pinned)" : ` (alias ${current.alias})`}`,
      });
    return current;
  }

  function invocationsModel(req: IncomingMessage): string {
    const asked = new URL(req.url ?? "/", "http://x").searchParams.get("model") ?? headerOf(req, "x-model");
    if (asked) return asked;
    if (table.targets.length === 1) return table.targets[0]!.model;
    throw new RequestError(400, {
      message: "this server serves several models; name one",
      hint: `add ?model=NAME (one of ${table.targets.map((t) => t.model).join(", ")})`,
    });
  }

  return {
    handle(req, res) {
      const started = performance.now();
      inFlight++;
      res.on("close", () => inFlight--);
      const route = routeRequest(req.method ?? "GET", (req.url ?? "/").split("?")[0]!);
      void answer(req, res, route, started);
    },
    get inFlight() {
      return inFlight;
    },
    startDrain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The body as JSON; 413 past `maxBytes`, 400 when it is not JSON, 415 when it says it is not. */
function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = headerOf(req, "content-type");
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type) && !/^text\/plain\b/i.test(type))
    return Promise.reject(
      new RequestError(415, { message: `content-type ${type} is not JSON`, hint: "send application/json" }),
    );
  const tooBig = () =>
    new RequestError(413, {
      message: `the body is larger than ${maxBytes} bytes`,
      hint: "send fewer rows per request, or start the server with a higher --max-body",
    });
  const declared = Number(headerOf(req, "content-length") ?? NaN);
  if (declared > maxBytes) {
    req.resume();
    return Promise.reject(tooBig());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.resume();
        reject(tooBig());
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", (e) => {
      if (!done) reject(e);
      done = true;
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString("utf8");
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(
          new RequestError(400, {
            message: `the body is not valid JSON: ${(e as Error).message}`,
            hint: "send a JSON object",
          }),
        );
      }
    });
  });
}

function records(
  request: TabularRequest,
  predictions: Float64Array,
  current: CurrentVersion,
  requestId: string,
): PredictionRecord[] {
  const time = new Date().toISOString();
  const out: PredictionRecord[] = [];
  for (let i = 0; i < request.rows; i++) {
    const inputs: Record<string, unknown> = {};
    for (const [name, cells] of request.columns) inputs[name] = cells[i] ?? null;
    out.push({
      time,
      requestId,
      row: i,
      model: current.served.name,
      version: current.served.version,
      inputs,
      prediction: predictions[i]!,
    });
  }
  return out;
}
