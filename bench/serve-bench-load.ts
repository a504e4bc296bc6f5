/**
 * What the serving bench's measurements share: a server child (serve-bench-server.ts) started and
 * stopped, the example's one-row infer bodies, and one autocannon round against a server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const here = path.dirname(fileURLToPath(import.meta.url));

/** A server child and the URL it listens on. */
export interface Served {
  child: ChildProcess;
  url: string;
}

/**
 * Starts a server child and waits for its URL. `nodeArgs` go to node before the script (a
 * profiler's flags, say).
 */
export function startChild(args: string[], nodeArgs: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(here, "serve-bench-server.js"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.once("exit", (code) => reject(new Error(`the server exited with code ${code} before listening`)));
  });
}

/** Stops a server child (SIGTERM) and waits for it to exit. */
export async function stopChild(s: Served): Promise<void> {
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  await exited;
}

/** One-row infer bodies from the example's first rows. */
export function inferBodies(example: string, count: number): string[] {
  const rows = JSON.parse(readFileSync(path.join(example, "data/cars.json"), "utf8")) as Record<
    string,
    unknown
  >[];
  const tensors: [string, string][] = [
    ["Weight_in_lbs", "INT64"],
    ["Horsepower", "FP64"],
    ["Displacement", "FP64"],
    ["Acceleration", "FP64"],
    ["Cylinders", "INT64"],
    ["Year", "BYTES"],
    ["Origin", "BYTES"],
  ];
  return rows
    .filter((r) => r.Horsepower !== null)
    .slice(0, count)
    .map((r, k) =>
      JSON.stringify({
        id: `bench-${k}`,
        inputs: tensors.map(([name, datatype]) => ({ name, datatype, shape: [1], data: [r[name]] })),
      }),
    );
}

/** One round of load. */
export interface Load {
  connections: number;
  /** Answers in the round (any status). */
  requests: number;
  requestsPerSecond: number;
  /** autocannon's percentiles: whole milliseconds (its histogram's unit). */
  p50: number;
  p99: number;
  /**
   * From each 2xx answer's own time (autocannon's `response` event, fractional ms), when asked
   * for; NaN otherwise.
   */
  fine: { p99: number; mean: number };
  failed: number;
}

/** The value at quantile `q` of ascending `sorted` (nearest rank). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * One autocannon round of `seconds` at `connections` against the server at `url`. With `fine`,
 * each answer's time is kept too (a listener call per answer in the load tool).
 */
export function load(
  url: string,
  bodies: string[],
  connections: number,
  seconds: number,
  fine = false,
): Promise<Load> {
  // autocannon's histogram counts whole milliseconds; each response's time comes fractional.
  let times = new Float64Array(fine ? 1 << 16 : 0);
  let count = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/v2/models/mpg/infer`,
        connections,
        duration: seconds,
        requests: bodies.map((body) => ({
          method: "POST",
          body,
          headers: { "content-type": "application/json" },
        })),
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        const sorted = times.subarray(0, count).sort();
        let sum = 0;
        for (let i = 0; i < count; i++) sum += sorted[i]!;
        resolve({
          connections,
          requests: result.requests.total,
          requestsPerSecond: result.requests.total / (result.duration || seconds),
          p50: result.latency.p50,
          p99: result.latency.p99,
          fine: { p99: quantile(sorted, 0.99), mean: count > 0 ? sum / count : NaN },
          failed: result.errors + result.timeouts + result.non2xx,
        });
      },
    );
    if (fine)
      instance.on("response", (_client, statusCode, _bytes, responseTime) => {
        if (statusCode < 200 || statusCode >= 300) return;
        if (count === times.length) {
          const grown = new Float64Array(times.length * 2);
          grown.set(times);
          times = grown;
        }
        times[count++] = responseTime;
      });
  });
}
