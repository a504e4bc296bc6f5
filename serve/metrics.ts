/** The server's Prometheus metrics (`GET /metrics`), in a registry of its own. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { TalliedHistogram } from "./tallied-histogram.js";

/** Every metric the server records. */
export interface ServeMetrics {
  registry: Registry;
  requests: Counter<"model" | "version" | "code" | "protocol">;
  latency: TalliedHistogram<"model" | "protocol">;
  rows: Counter<"model" | "version">;
  validationErrors: Counter<"model" | "column">;
  unseen: Counter<"model" | "version">;
  loadSeconds: Histogram<"model">;
  loadFailures: Counter<"model">;
  currentVersion: Gauge<"model" | "alias">;
  batchRows: TalliedHistogram<"model">;
  /** Counts a request a served version scored (200): its answer and its rows. */
  scored(served: object, model: string, version: string, protocol: string, rows: number): void;
}

/** One served version's scored requests over one protocol, not yet in the counters. */
interface Tally {
  requestLabels: { model: string; version: string; code: string; protocol: string };
  rowLabels: { model: string; version: string };
  requests: number;
  rows: number;
  /** Whether it is in the list of tallies to fold. */
  listed: boolean;
}

/**
 * Scored requests, counted in plain numbers per served version and protocol and added to the
 * counters when the registry is read (their `collect`): prom-client checks and hashes the labels
 * at every `inc`, which cost a one-row request more than the rest of its bookkeeping.
 */
class ScoredTallies {
  private readonly byVersion = new WeakMap<object, Map<string, Tally>>();
  private pending: Tally[] = [];

  add(served: object, model: string, version: string, protocol: string, rows: number): void {
    let tallies = this.byVersion.get(served);
    if (tallies === undefined) this.byVersion.set(served, (tallies = new Map()));
    let t = tallies.get(protocol);
    if (t === undefined) {
      t = {
        requestLabels: { model, version, code: "200", protocol },
        rowLabels: { model, version },
        requests: 0,
        rows: 0,
        listed: false,
      };
      tallies.set(protocol, t);
    }
    t.requests++;
    t.rows += rows;
    if (!t.listed) {
      t.listed = true;
      this.pending.push(t);
    }
  }

  /** Adds what was counted since the last fold to the counters. */
  fold(
    requests: Counter<"model" | "version" | "code" | "protocol">,
    rows: Counter<"model" | "version">,
  ): void {
    const pending = this.pending;
    this.pending = [];
    for (const t of pending) {
      requests.inc(t.requestLabels, t.requests);
      rows.inc(t.rowLabels, t.rows);
      t.requests = 0;
      t.rows = 0;
      t.listed = false;
    }
  }
}

/** Creates the metrics; process memory and CPU come from prom-client's default collectors. */
export function createMetrics(): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "modelgate_serve_" });
  const registers = [registry];
  const tallies = new ScoredTallies();
  const fold = (): void => tallies.fold(requests, rows);
  const requests: Counter<"model" | "version" | "code" | "protocol"> = new Counter({
    name: "modelgate_serve_requests_total",
    help: "Requests answered, by model, version, status code and protocol",
    labelNames: ["model", "version", "code", "protocol"],
    registers,
    collect: fold,
  });
  const rows: Counter<"model" | "version"> = new Counter({
    name: "modelgate_serve_rows_scored_total",
    help: "Rows scored",
    labelNames: ["model", "version"],
    registers,
    collect: fold,
  });
  return {
    registry,
    requests,
    // Observed at every request: kept in plain numbers (tallied-histogram.ts).
    latency: new TalliedHistogram(
      "modelgate_serve_request_duration_seconds",
      "Time from a request's arrival to its answer",
      ["model", "protocol"],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registry,
    ),
    rows,
    validationErrors: new Counter({
      name: "modelgate_serve_validation_errors_total",
      help: "Problems found in requests, by column (empty when the problem is with the whole request)",
      labelNames: ["model", "column"],
      registers,
    }),
    unseen: new Counter({
      name: "modelgate_serve_unseen_categories_total",
      help: "Category values unseen in training, scored as missing (imputed)",
      labelNames: ["model", "version"],
      registers,
    }),
    loadSeconds: new Histogram({
      name: "modelgate_serve_model_load_seconds",
      help: "Time to load and verify a model version",
      labelNames: ["model"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    loadFailures: new Counter({
      name: "modelgate_serve_model_load_failures_total",
      help: "Model versions that failed to load or verify",
      labelNames: ["model"],
      registers,
    }),
    currentVersion: new Gauge({
      name: "modelgate_serve_model_version",
      help: "The version served per model and alias",
      labelNames: ["model", "alias"],
      registers,
    }),
    batchRows: new TalliedHistogram(
      "modelgate_serve_batch_rows",
      "Rows per call of the model (adaptive batching coalesces requests)",
      ["model"],
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
      registry,
    ),
    scored: (served, model, version, protocol, n) => tallies.add(served, model, version, protocol, n),
  };
}
