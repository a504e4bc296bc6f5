/** The server's Prometheus metrics (`GET /metrics`), in a registry of its own. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Every metric the server records. */
export interface ServeMetrics {
  registry: Registry;
  requests: Counter<"model" | "version" | "code" | "protocol">;
  latency: Histogram<"model" | "protocol">;
  rows: Counter<"model" | "version">;
  validationErrors: Counter<"model" | "column">;
  unseen: Counter<"model" | "version">;
  loadSeconds: Histogram<"model">;
  loadFailures: Counter<"model">;
  currentVersion: Gauge<"model" | "alias">;
  batchRows: Histogram<"model">;
}

/** Creates the metrics; process memory and CPU come from prom-client's default collectors. */
export function createMetrics(): ServeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "modelgate_serve_" });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "modelgate_serve_requests_total",
      help: "Requests answered, by model, version, status code and protocol",
      labelNames: ["model", "version", "code", "protocol"],
      registers,
    }),
    latency: new Histogram({
      name: "modelgate_serve_request_duration_seconds",
      help: "Time from a request's arrival to its answer",
      labelNames: ["model", "protocol"],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    rows: new Counter({
      name: "modelgate_serve_rows_scored_total",
      help: "Rows scored",
      labelNames: ["model", "version"],
      registers,
    }),
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
    batchRows: new Histogram({
      name: "modelgate_serve_batch_rows",
      help: "Rows per call of the model (adaptive batching coalesces requests)",
      labelNames: ["model"],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 1024],
      registers,
    }),
  };
}
