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

const JSON_TYPE = "application/json";
const TEXT_TYPE = "text/plain; charset=utf-8";

/** An answer: its body as text, its content type, and further header fields as a flat list. */
interface Answer {
  status: number;
  body: string;
  type: string;
  headers?: string[];
}

/** An answer with a JSON body. */
function json(status: number, value: unknown, headers?: string[]): Answer {
  return { status, body: JSON.stringify(value), type: JSON_TYPE, ...(headers ? { headers } : {}) };
}

/** Creates the request handler. */
export function createServeHandler(options: HandlerOptions): ServeHandler {
  const { table, metrics, log } = options;
  const batcher = new Batcher(options.batchWaitMs, options.batchMaxRows, (model, rows, unseen) => {
    metrics.batchRows.observe({ model: model.name }, rows);
    if (unseen > 0) metrics.unseen.inc({ model: model.name, version: String(model.version) }, unseen);
  });
  let inFlight = 0;
  let draining = false;
  let lastRoute: { method: string; url: string; route: Route } = {
    method: "",
    url: "",
    route: { kind: "not-found" },
  };

  /** Writes `answer` with `headers` (a flat list of names and values) in one go. */
  const send = (res: ServerResponse, answer: Answer, headers: string[], close = false) => {
    headers.push("content-type", answer.type, "content-length", String(Buffer.byteLength(answer.body)));
    if (answer.headers) headers.push(...answer.headers);
    if (close || draining) headers.push("connection", "close");
    res.writeHead(answer.status, headers);
    res.end(answer.body);
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
    // The client's id (header, or the body's `id`), else one made when first needed.
    let givenId = headerOf(req, "x-request-id");
    let madeId: string | undefined;
    const requestId = () => givenId ?? (madeId ??= randomUUID());
    // Set once a served version scored the request: its counts go to the tallies.
    let scored: { served: object; rows: number } | undefined;
    const fail = (e: RequestError): Answer => {
      for (const err of e.errors)
        metrics.validationErrors.inc({ model: modelName, column: err.column ?? "" });
      return json(
        e.status,
        protocol === "mlflow" ? invocationsErrorResponse(e.status, e.errors) : errorResponse(e.errors),
      );
    };
    let status = 200;
    try {
      const out = await respond();
      status = out.status;
      const headers = ["x-request-id", requestId()];
      if (version) headers.push("x-model-version", version);
      send(res, out, headers);
    } catch (e) {
      // Rows the model scored count even when the answer then failed; the request counts by its code.
      if (scored !== undefined) metrics.rows.inc({ model: modelName, version }, scored.rows);
      scored = undefined;
      if (e instanceof RequestError) {
        const out = fail(e);
        status = out.status;
        // An answer before the whole body was read: the connection cannot be reused.
        send(res, out, ["x-request-id", requestId()], !req.complete);
      } else {
        status = 500;
        log.event({
          msg: "internal error",
          error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          requestId: requestId(),
        });
        send(
          res,
          json(
            500,
            protocol === "mlflow"
              ? invocationsErrorResponse(500, [{ message: "internal error" }])
              : { error: "internal error" },
          ),
          [],
        );
      }
    } finally {
      const seconds = (performance.now() - started) / 1000;
      if (scored !== undefined) metrics.scored(scored.served, modelName, version, protocol, scored.rows);
      else if (protocol !== "other" || route.kind === "model-metadata")
        metrics.requests.inc({ model: modelName, version, code: String(status), protocol });
      if (protocol !== "other" || route.kind === "model-metadata")
        metrics.latency.observe({ model: modelName, protocol }, seconds);
      log.request({
        msg: "request",
        method: req.method,
        path: req.url,
        status,
        model: modelName,
        version,
        requestId: requestId(),
        ms: Math.round(seconds * 1e6) / 1e3,
      });
    }

    async function respond(): Promise<Answer> {
      switch (route.kind) {
        case "live":
          return json(200, { live: true });
        case "ready":
          return json(ready() ? 200 : 503, { ready: ready() });
        case "ping":
          return { status: ready() ? 200 : 503, body: ready() ? "\n" : "not ready\n", type: TEXT_TYPE };
        case "server-metadata":
          return json(200, serverMetadata(options.serverVersion));
        case "metrics":
          return {
            status: 200,
            body: await metrics.registry.metrics(),
            type: metrics.registry.contentType,
          };
        case "not-found":
          throw new RequestError(404, {
            message: `no endpoint ${req.method} ${req.url}`,
            hint: "see GET /v2/models/{name} for a model's endpoints",
          });
        case "method-not-allowed":
          return json(
            405,
            errorResponse([{ message: `${req.method} is not allowed here; use ${route.allow}` }]),
            ["allow", route.allow],
          );
        case "model-metadata":
        case "model-ready": {
          modelName = route.model;
          const current = pick(route.model, route.version);
          version = String(current.served.version);
          if (route.kind === "model-ready")
            return json(draining ? 503 : 200, { name: route.model, ready: !draining });
          return json(200, modelMetadata(current.served, current.pinned ? null : current.alias));
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
          if (request.id !== undefined) givenId = request.id;
          const batch = buildRequestBatch(request, served);
          const scoring = batcher.score(served, batch);
          // A synchronous model's predictions are used at once, without a turn of the queue.
          const predictions = scoring instanceof Float64Array ? scoring : await scoring;
          // Scored: nothing reads the batch again (the log and the answer use the request).
          releaseRequestBatch(batch);
          scored = { served, rows: batch.length };
          if (options.predictionLog)
            options.predictionLog.write(records(request, predictions, current, requestId()));
          if (options.logPayloads) log.event({ msg: "payload", requestId: requestId(), body });
          return {
            status: 200,
            body:
              route.kind === "infer"
                ? inferResponse(served, predictions, request.id)
                : invocationsResponse(predictions),
            type: JSON_TYPE,
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
      const method = req.method ?? "GET";
      const url = req.url ?? "/";
      // Requests in a row mostly ask for the same endpoint: its route (read only) is kept.
      if (url !== lastRoute.url || method !== lastRoute.method)
        lastRoute = { method, url, route: routeRequest(method, url.split("?")[0]!) };
      void answer(req, res, lastRoute.route, started);
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
  if (
    type &&
    type !== JSON_TYPE &&
    !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type) &&
    !/^text\/plain\b/i.test(type)
  )
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
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString("utf8");
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
