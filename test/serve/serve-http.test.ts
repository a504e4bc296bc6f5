/**
 * `modelgate serve` over real HTTP on loopback: every endpoint of both protocols, every exchange
 * checked against the Open Inference Protocol's OpenAPI description, one test per error case,
 * and predictions equal to `modelgate predict` to the last digit.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import type { BatchScorer } from "../../src/model/fitted-model.js";
import { loadRegistryModel } from "../../src/serve/model-table.js";
import type { JsonLog } from "../../serve/json-log.js";
import { openServer } from "../../serve/open-server.js";
import type { RunningServer } from "../../serve/start-server.js";
import { checkExchange } from "./oip-validator.js";

const cars = path.resolve(import.meta.dirname, "../../examples/cars");
const records = JSON.parse(readFileSync(path.join(cars, "data/cars.json"), "utf8")) as Record<
  string,
  unknown
>[];
const features = ["Weight_in_lbs", "Horsepower", "Year"];

const silent: JsonLog = { event() {}, request() {} };
let server: RunningServer;
let scoreCalls = 0;

beforeAll(async () => {
  server = await openServer({
    configFile: path.join(cars, "modelgate.yml"),
    alias: "production",
    host: "127.0.0.1",
    port: 0,
    pollMs: 0,
    maxBodyBytes: 100_000,
    maxRows: 500,
    batchWaitMs: 0,
    batchMaxRows: 1024,
    logSample: 0,
    logPayloads: false,
    drainMs: 1000,
    log: silent,
    loader: async (v) => {
      const fitted = await loadRegistryModel(v);
      return {
        ...fitted,
        bind(columns) {
          const scorer = fitted.bind(columns) as BatchScorer;
          return {
            ...scorer,
            scoreBatch(batch, rows, count, out) {
              scoreCalls++;
              return scorer.scoreBatch(batch, rows, count, out);
            },
            get unseen() {
              return scorer.unseen;
            },
          };
        },
      };
    },
  });
});

afterAll(async () => {
  // Not ready while draining, still answering.
  const drained = server.drain(2000);
  const ready = await fetch(`${server.url}/v2/health/ready`);
  expect(ready.status).toBe(503);
  expect(ready.headers.get("connection")).toBe("close");
  expect(await drained).toBe(true);
});

interface Exchange {
  status: number;
  body: unknown;
  headers: Headers;
}

/** One request; Open Inference Protocol paths are checked against the description. */
async function call(method: string, url: string, body?: unknown, raw?: string): Promise<Exchange> {
  const res = await fetch(server.url + url, {
    method,
    ...(body !== undefined || raw !== undefined
      ? { body: raw ?? JSON.stringify(body), headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  const parsed: unknown = type.startsWith("application/json") ? JSON.parse(text) : text;
  if (url.startsWith("/v2")) {
    const sent = raw === undefined ? body : undefined;
    expect(checkExchange(method, url, sent, res.status, parsed)).toEqual([]);
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

function tensor(name: string, rows: Record<string, unknown>[]) {
  const datatype = name === "Weight_in_lbs" ? "INT64" : name === "Year" ? "BYTES" : "FP64";
  return { name, datatype, shape: [rows.length], data: rows.map((r) => r[name]) };
}

function inferBody(rows: Record<string, unknown>[]) {
  return { id: "req-1", inputs: features.map((f) => tensor(f, rows)) };
}

async function predictAll(): Promise<number[]> {
  const io = memoryIo(cars);
  const code = await main(
    [
      "predict",
      "--model",
      ".modelgate/models/mpg/v1.json",
      "--data",
      "data/cars.json",
      "--spec",
      "data/cars.data.yml",
      "--format",
      "jsonl",
    ],
    io,
  );
  expect(code).toBe(0);
  return io.stdout
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { prediction: number }).prediction);
}

const complete = records.filter((r) => features.every((f) => r[f] !== null));

describe("Open Inference Protocol", () => {
  it("answers health, server metadata and model metadata", async () => {
    expect((await call("GET", "/v2/health/live")).status).toBe(200);
    expect((await call("GET", "/v2/health/ready")).status).toBe(200);
    expect((await call("GET", "/v2/")).body).toMatchObject({ name: "modelgate" });
    const meta = await call("GET", "/v2/models/mpg");
    expect(meta.status).toBe(200);
    expect(meta.body).toMatchObject({
      name: "mpg",
      versions: ["1"],
      inputs: [
        { name: "Weight_in_lbs", datatype: "INT64", shape: [-1] },
        { name: "Horsepower", datatype: "FP64", shape: [-1] },
        { name: "Year", datatype: "BYTES", shape: [-1] },
      ],
      outputs: [{ name: "prediction", datatype: "FP64", shape: [-1] }],
    });
    expect((await call("GET", "/v2/models/mpg/versions/1")).status).toBe(200);
    expect((await call("GET", "/v2/models/mpg/ready")).status).toBe(200);
    expect((await call("GET", "/v2/models/mpg/versions/1/ready")).status).toBe(200);
  });

  it("scores the example's rows exactly as modelgate predict does", async () => {
    const expected = await predictAll();
    const res = await call("POST", "/v2/models/mpg/infer", inferBody(complete));
    expect(res.status).toBe(200);
    const body = res.body as {
      model_version: string;
      id: string;
      outputs: { data: number[]; shape: number[] }[];
    };
    expect(body.model_version).toBe("1");
    expect(body.id).toBe("req-1");
    expect(body.outputs[0]!.shape).toEqual([complete.length]);
    const want = records.flatMap((r, i) => (features.every((f) => r[f] !== null) ? [expected[i]!] : []));
    // Exact: the same doubles, not merely close ones.
    expect(body.outputs[0]!.data.map(String)).toEqual(want.map(String));
  });

  it("scores at a named version", async () => {
    const res = await call("POST", "/v2/models/mpg/versions/1/infer", inferBody(complete.slice(0, 3)));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-model-version")).toBe("1");
  });

  it("accepts [rows, 1] shapes and nested data", async () => {
    const rows = complete.slice(0, 2);
    const inputs = features.map((f) => {
      const t = tensor(f, rows);
      return { ...t, shape: [2, 1], data: t.data.map((v) => [v]) };
    });
    const res = await call("POST", "/v2/models/mpg/infer", { inputs });
    expect(res.status).toBe(200);
  });
});

describe("errors: 4xx in the protocol's shape, never reaching the model", () => {
  async function refused(url: string, body: unknown, status: number, raw?: string) {
    const before = scoreCalls;
    const res = await call("POST", url, body, raw);
    expect(res.status).toBe(status);
    expect(scoreCalls).toBe(before);
    return res.body as { error: string; errors: { row?: number; column?: string; message: string }[] };
  }

  it("unknown model: 404", async () => {
    const body = await refused("/v2/models/nope/infer", inferBody(complete.slice(0, 1)), 404);
    expect(body.error).toMatch(/no model "nope"/);
  });

  it("unknown version: 404", async () => {
    const body = await refused("/v2/models/mpg/versions/7/infer", inferBody(complete.slice(0, 1)), 404);
    expect(body.error).toMatch(/version 7 of "mpg" is not served/);
  });

  it("wrong datatype: 400 naming the column", async () => {
    const b = inferBody(complete.slice(0, 2));
    b.inputs[0] = { ...b.inputs[0]!, datatype: "BYTES" };
    const body = await refused("/v2/models/mpg/infer", b, 400);
    expect(body.errors).toEqual([
      expect.objectContaining({
        column: "Weight_in_lbs",
        message: expect.stringMatching(/datatype "BYTES"/),
      }),
    ]);
  });

  it("wrong shape: 400 naming the column", async () => {
    const b = inferBody(complete.slice(0, 2));
    b.inputs[1] = { ...b.inputs[1]!, shape: [3] };
    const body = await refused("/v2/models/mpg/infer", b, 400);
    expect(body.errors).toEqual([
      expect.objectContaining({ column: "Horsepower", message: expect.stringMatching(/says 3 values/) }),
    ]);
  });

  it("missing column: 400", async () => {
    const b = inferBody(complete.slice(0, 2));
    b.inputs.splice(2, 1);
    const body = await refused("/v2/models/mpg/infer", b, 400);
    expect(body.errors).toEqual([
      expect.objectContaining({ column: "Year", message: expect.stringMatching(/lacks/) }),
    ]);
  });

  it("out-of-range values: 400 with every row and column", async () => {
    const rows = complete.slice(0, 4).map((r) => ({ ...r }));
    rows[1]!.Weight_in_lbs = -5;
    rows[3]!.Year = "1999-01-01";
    rows[3]!.Horsepower = -1;
    const body = await refused("/v2/models/mpg/infer", inferBody(rows), 400);
    expect(body.errors.map((e) => [e.row, e.column])).toEqual([
      [1, "Weight_in_lbs"],
      [3, "Horsepower"],
      [3, "Year"],
    ]);
    expect(body.errors[0]!.message).toMatch(/-5 is below the minimum 0/);
  });

  it("body too big: 413", async () => {
    const rows = Array.from({ length: 40 }, () => complete).flat();
    const body = await refused("/v2/models/mpg/infer", inferBody(rows), 413);
    expect(body.error).toMatch(/larger than 100000 bytes/);
  });

  it("too many rows: 413", async () => {
    const rows = Array.from({ length: 2 }, () => complete).flat();
    const body = await refused("/v2/models/mpg/infer", inferBody(rows), 413);
    expect(body.error).toMatch(/at most 500 are allowed/);
  });

  it("malformed JSON: 400", async () => {
    const body = await refused("/v2/models/mpg/infer", undefined, 400, '{"inputs": [');
    expect(body.error).toMatch(/not valid JSON/);
  });

  it("a value outside the allowed categories, an unknown input and a wrong type: 400 each located", async () => {
    const res = await call("POST", "/invocations", {
      dataframe_records: [
        { Weight_in_lbs: 3000, Horsepower: "fast", Year: "1975-01-01", Origin: "Mars" },
        { Weight_in_lbs: 3000, Horsepower: 100, Year: "1975-01-01", Colour: "red" },
      ],
    });
    expect(res.status).toBe(400);
    const body = res.body as { error_code: string; errors: { row?: number; column?: string }[] };
    expect(body.error_code).toBe("BAD_REQUEST");
    expect(body.errors).toEqual([expect.objectContaining({ column: "Colour" })]);
    const res2 = await call("POST", "/invocations", {
      dataframe_records: [{ Weight_in_lbs: 3000, Horsepower: "fast", Year: "1975-01-01", Origin: "Mars" }],
    });
    expect((res2.body as { errors: unknown[] }).errors).toEqual([
      expect.objectContaining({ row: 0, column: "Horsepower", message: '"fast" is not a number' }),
      expect.objectContaining({
        row: 0,
        column: "Origin",
        message: '"Mars" is not one of the allowed values',
      }),
    ]);
  });
});

describe("MLflow-compatible /invocations", () => {
  it("answers /ping", async () => {
    expect((await call("GET", "/ping")).status).toBe(200);
  });

  it("scores dataframe_split, dataframe_records, instances and inputs alike, nulls imputed as in predict", async () => {
    const expected = (await predictAll()).slice(0, 40);
    const rows = records.slice(0, 40).map((r) => Object.fromEntries(features.map((f) => [f, r[f]])));
    expect(rows.some((r) => r.Horsepower === null)).toBe(true);
    const columns = Object.fromEntries(features.map((f) => [f, rows.map((r) => r[f])]));
    const bodies = [
      { dataframe_split: { columns: features, data: rows.map((r) => features.map((f) => r[f])) } },
      { dataframe_records: rows },
      { instances: rows },
      { inputs: columns },
    ];
    for (const body of bodies) {
      const res = await call("POST", "/invocations", body);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-model-version")).toBe("1");
      expect((res.body as { predictions: number[] }).predictions.map(String)).toEqual(expected.map(String));
    }
  });
});

describe("metrics", () => {
  it("exposes requests, rows, validation errors and the current version in Prometheus text", async () => {
    const res = await call("GET", "/metrics");
    expect(res.status).toBe(200);
    const text = res.body as string;
    expect(text).toMatch(
      /modelgate_serve_requests_total\{model="mpg",version="1",code="200",protocol="v2"\} \d+/,
    );
    expect(text).toMatch(/modelgate_serve_rows_scored_total\{model="mpg",version="1"\} \d+/);
    expect(text).toMatch(/modelgate_serve_validation_errors_total\{model="mpg",column="Weight_in_lbs"\} \d+/);
    expect(text).toMatch(/modelgate_serve_model_version\{model="mpg",alias="production"\} 1/);
    expect(text).toMatch(/modelgate_serve_process_resident_memory_bytes \d+/);
  });

  it("counts every scored request, its rows and its latency once, however often /metrics is read", async () => {
    const count = async () => {
      const text = (await call("GET", "/metrics")).body as string;
      const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
      return {
        requests: read(
          /modelgate_serve_requests_total\{model="mpg",version="1",code="200",protocol="v2"\} (\d+)/,
        ),
        rows: read(/modelgate_serve_rows_scored_total\{model="mpg",version="1"\} (\d+)/),
        latency: read(/modelgate_serve_request_duration_seconds_count\{model="mpg",protocol="v2"\} (\d+)/),
      };
    };
    const before = await count();
    for (const rows of [complete.slice(0, 1), complete.slice(1, 4), complete.slice(4, 6)])
      expect((await call("POST", "/v2/models/mpg/infer", inferBody(rows))).status).toBe(200);
    const after = await count();
    expect(after).toEqual({
      requests: before.requests + 3,
      rows: before.rows + 6,
      latency: before.latency + 3,
    });
    expect(await count()).toEqual(after);
  });
});

describe("the protocol check itself", () => {
  it("refuses exchanges the description forbids", () => {
    expect(
      checkExchange("POST", "/v2/models/m/infer", { inputs: [{ name: "x" }] }, 200, { outputs: [] }),
    ).toEqual([
      expect.stringMatching(/^request: .*shape/),
      expect.stringMatching(/^response 200: .*model_name/),
    ]);
    // The description's error object does not require `error`, but types it as a string.
    expect(checkExchange("POST", "/v2/models/m/infer", undefined, 404, { error: 5 })).toEqual([
      expect.stringMatching(/^response 404: .*error/),
    ]);
    expect(checkExchange("GET", "/v2/nothing", undefined, 200, {})).toHaveLength(1);
  });
});
