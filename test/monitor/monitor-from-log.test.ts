/**
 * `modelgate monitor --from-log`: the cars rows go through `modelgate serve` with a prediction
 * log small enough to rotate; their true outcomes arrive in a file of their own. Monitoring the
 * log (joined with the outcomes) gives the same drift and live performance as batch monitoring
 * of the same rows with their targets.
 */
import { mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import type { JsonLog } from "../../serve/json-log.js";
import { openServer } from "../../serve/open-server.js";
import type { MonitorReport } from "../../src/report/monitor-report-schema.js";

const cars = path.resolve(import.meta.dirname, "../../examples/cars");
const records = JSON.parse(readFileSync(path.join(cars, "data/cars.json"), "utf8")) as Record<
  string,
  unknown
>[];
const features = [
  "Weight_in_lbs",
  "Horsepower",
  "Displacement",
  "Acceleration",
  "Cylinders",
  "Year",
  "Origin",
];
const target = "Miles_per_Gallon";
const CHUNK = 25;

let dir: string;
let log: string;
let outcomes: string;

async function monitor(...args: string[]): Promise<{ code: number; io: ReturnType<typeof memoryIo> }> {
  const io = memoryIo(cars);
  const code = await main(["monitor", "--model", "mpg", ...args], io);
  return { code, io };
}

const report = (out: string) =>
  JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as MonitorReport;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-from-log-"));
  log = path.join(dir, "predictions.jsonl");
  outcomes = path.join(dir, "outcomes.jsonl");
  const silent: JsonLog = { event() {}, request() {} };
  const server = await openServer({
    configFile: path.join(cars, "modelgate.yml"),
    alias: "production",
    host: "127.0.0.1",
    port: 0,
    pollMs: 0,
    maxBodyBytes: 1_000_000,
    maxRows: 1000,
    batchWaitMs: 0,
    batchMaxRows: 1024,
    logSample: 0,
    logPayloads: false,
    drainMs: 1000,
    log: silent,
    // About 250 bytes a row: the log rotates a few times and keeps every row.
    predictionLog: { file: log, maxBytes: 40_000, keep: 5 },
  });
  const lines: string[] = [];
  try {
    for (let start = 0, k = 0; start < records.length; start += CHUNK, k++) {
      const rows = records.slice(start, start + CHUNK);
      const id = `req-${k}`;
      const res = await fetch(`${server.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          dataframe_records: rows.map((r) => Object.fromEntries(features.map((f) => [f, r[f]]))),
          id,
        }),
      });
      expect(res.status).toBe(200);
      // The outcomes arrive later, in another order.
      rows.forEach((r, i) =>
        lines.unshift(
          JSON.stringify({ requestId: res.headers.get("x-request-id") ?? id, row: i, [target]: r[target] }),
        ),
      );
    }
  } finally {
    await server.drain(1000);
  }
  writeFileSync(outcomes, lines.join("\n") + "\n");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("modelgate monitor --from-log", () => {
  it("gives the drift and live performance batch monitoring gives on the same rows", async () => {
    expect(existsSync(`${log}.1`)).toBe(true);
    const live = path.join(dir, "live");
    const fromLog = await monitor("--from-log", log, "--outcomes", outcomes, "--out", live);
    expect(fromLog.io.stderr).toBe("");
    expect(fromLog.io.stdout).toContain(
      `${records.length} rows scored by mpg v1 (production), ${records.length} with an outcome`,
    );

    const batchFile = path.join(dir, "rows.json");
    writeFileSync(
      batchFile,
      JSON.stringify(records.map((r) => Object.fromEntries([...features, target].map((f) => [f, r[f]])))),
    );
    const batch = await monitor("--data", batchFile, "--out", path.join(dir, "batch"));
    expect(fromLog.code).toBe(batch.code);

    const a = report(live).models[0]!;
    const b = report(path.join(dir, "batch")).models[0]!;
    expect(a.data.rows).toBe(records.length);
    expect(a.columns).toEqual(b.columns);
    expect(a.performance).not.toBeNull();
    expect(a.performance).toEqual(b.performance);
    expect(a.verdict).toBe(b.verdict);
  });

  it("without outcomes, monitors drift and says performance is not measured", async () => {
    const { code, io } = await monitor("--from-log", log, "--out", path.join(dir, "drift"));
    expect(code).toBeLessThan(2);
    const m = report(path.join(dir, "drift")).models[0]!;
    expect(m.performance).toBeNull();
    expect(m.columns.map((c) => c.name)).toContain("Weight_in_lbs");
    expect(io.stdout).toContain("performance: not measured");
  });

  it("refuses a log line that is not an entry, naming file and line", async () => {
    const bad = path.join(dir, "bad.jsonl");
    const first = readFileSync(`${log}.1`, "utf8").split("\n")[0]!;
    writeFileSync(bad, `${first}\n{"hello": 1}\n${first}\n`);
    const { code, io } = await monitor("--from-log", bad, "--out", path.join(dir, "bad"));
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/bad\.jsonl:2/);
    expect(io.stderr).toContain("not a prediction log entry");
  });

  it("refuses an outcome without the target, naming file and line", async () => {
    const bad = path.join(dir, "bad-outcomes.jsonl");
    writeFileSync(bad, `{"requestId": "req-0", "row": 0, "mpg": 3}\n`);
    const { code, io } = await monitor("--from-log", log, "--outcomes", bad, "--out", path.join(dir, "bad2"));
    expect(code).toBe(2);
    expect(io.stderr).toMatch(/bad-outcomes\.jsonl:1/);
    expect(io.stderr).toContain(target);
  });

  it("monitors only the version the alias names", async () => {
    const other = path.join(dir, "other.jsonl");
    const entries = readFileSync(`${log}.1`, "utf8")
      .trim()
      .split("\n")
      .map((l) => ({ ...(JSON.parse(l) as object), version: 7 }));
    writeFileSync(other, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const { code, io } = await monitor("--from-log", other, "--out", path.join(dir, "other"));
    expect(code).toBe(2);
    expect(io.stderr).toContain(
      `no row of mpg v1 (production) is in the log; ${entries.length} rows are of other versions`,
    );
  });

  it("takes --data or --from-log, not both", async () => {
    const { code, io } = await monitor("--from-log", log, "--data", "data/cars.json");
    expect(code).toBe(2);
    expect(io.stderr).toContain("not both");
  });
});
