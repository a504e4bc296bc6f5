/**
 * `npm run bench -- --tasks serve`: `modelgate serve` under load on loopback, beside a bare
 * `node:http` server that calls the same bound model on the same rows (serve-bench-server.ts).
 *
 * For the cars example's built-in model and the cars-onnx example's ONNX model, autocannon sends
 * one-row Open Inference Protocol requests (the example's first rows, in turn) at 1, 16 and 64
 * connections, to the bare server, to `modelgate serve` with batching off, and with adaptive
 * batching on. Each server runs in a child process; the load tool runs here. Then the time from a
 * registry commit to the new version answering: a git checkout of the cars example, a server
 * polling it, and a promotion committed while a client asks which version answers.
 *
 * With `pairedRounds`, the bare server and modelgate with batching off are also compared in short
 * alternating rounds (serve-bench-paired.ts), which a machine whose speed drifts cannot fool as
 * easily as the best of a few long rounds.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "markdown-table";
import { parseRegistry } from "../src/registry/registry-document.js";
import { promote } from "../src/registry/registry-transitions.js";
import { parseModelFile } from "../src/model/model-file.js";
import { inferBodies, load, startChild, stopChild, type Load, type Served } from "./serve-bench-load.js";
import { measurePaired, pairedTable, type PairedMeasurement } from "./serve-bench-paired.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");

/** What to measure. */
export interface ServeBenchOptions {
  /** Seconds of load per measurement. */
  seconds: number;
  /** Rounds of measurements; each line keeps its best. */
  repeat: number;
  connections: number[];
  /** Adaptive batching's wait when it is on, in milliseconds. */
  batchWaitMs: number;
  /** Promotions timed from commit to serving. */
  reloads: number;
  /** The server's poll interval for the reload timing, in milliseconds. */
  pollMs: number;
  /**
   * Pairs of alternating rounds, bare and modelgate batching off, per connection count
   * (serve-bench-paired.ts); 0 leaves the paired measurement out.
   */
  pairedRounds?: number;
  /** Seconds of load per paired round. */
  roundSeconds?: number;
  /** A directory for CPU profiles of the server children (`node --cpu-prof`), if any. */
  cpuProfDir?: string;
  /** The examples to load, by format (`builtin`, `onnx`); both when absent. */
  formats?: string[];
  /** A file to write the paired measurement's every round to (JSON), if any. */
  pairedJson?: string;
}

const grouped = (v: number) => Math.round(v).toLocaleString("en");

async function loadTable(options: ServeBenchOptions): Promise<void> {
  const examples = [
    { title: "cars, built-in ridge model", config: "examples/cars/modelgate.yml", format: "builtin" },
    {
      title: "cars-onnx, ONNX gradient boosting",
      config: "examples/cars-onnx/modelgate.yml",
      format: "onnx",
    },
  ];
  const pairedRecords: { example: string; loadAverage: number[]; measured: PairedMeasurement[] }[] = [];
  for (const ex of examples.filter((e) => options.formats?.includes(e.format) ?? true)) {
    const config = path.join(repoRoot, ex.config);
    const bodies = inferBodies(path.dirname(config), 50);
    const servers = [
      { label: "bare node:http", args: ["bare", config, ex.format, "0"] },
      { label: "modelgate serve, batching off", args: ["modelgate", config, ex.format, "0"] },
      {
        label: `modelgate serve, batching on (${options.batchWaitMs} ms)`,
        args: ["modelgate", config, ex.format, String(options.batchWaitMs)],
      },
    ];
    // Every server runs at once (idle but for its turn), and the rounds interleave them, so a
    // change in the machine's load falls on all of them alike; each keeps its best round.
    const running: Served[] = [];
    const best = new Map<string, Load>();
    const rounds = options.seconds > 0 ? options.repeat : 0;
    const pairs = options.pairedRounds ?? 0;
    const roundSeconds = options.roundSeconds ?? 2;
    let paired: PairedMeasurement[] = [];
    const loads: string[] = [];
    const nodeArgs = options.cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfDir] : [];
    try {
      for (const s of servers) running.push(await startChild(s.args, nodeArgs));
      // A short warm-up: the JIT and the runtime's first calls are not measured.
      for (const served of running) await load(served.url, bodies, 16, 1);
      for (let round = 0; round < rounds; round++)
        for (const c of options.connections)
          for (const [k, served] of running.entries()) {
            const r = await load(served.url, bodies, c, options.seconds);
            const key = `${k}/${c}`;
            const before = best.get(key);
            if (!before || r.requestsPerSecond > before.requestsPerSecond) best.set(key, r);
          }
      if (pairs > 0) {
        loads.push(loadavg()[0]!.toFixed(2));
        paired = await measurePaired(
          running[0]!,
          running[1]!,
          bodies,
          options.connections,
          pairs,
          roundSeconds,
        );
        loads.push(loadavg()[0]!.toFixed(2));
      }
    } finally {
      for (const served of running) await stopChild(served);
    }
    if (rounds > 0) printBestTable(ex.title, servers, best, options);
    if (pairs > 0) {
      console.log(
        `${ex.title}, paired rounds: the bare server and modelgate serve (batching off) in turn, ABBA, ` +
          `${pairs} pairs of ${roundSeconds} s rounds per connection count, load average ${loads[0]} at ` +
          `the start and ${loads[1]} at the end. Ratios modelgate / bare, the median of the pairs; ` +
          `latencies from each answer's own time (fractional ms):\n`,
      );
      console.log(pairedTable(paired));
      console.log("");
      pairedRecords.push({ example: ex.format, loadAverage: loads.map(Number), measured: paired });
    }
  }
  if (options.pairedJson) writeFileSync(options.pairedJson, JSON.stringify(pairedRecords, null, 1) + "\n");
}

/** Each server's best round at each connection count, against the bare server's. */
function printBestTable(
  title: string,
  servers: { label: string }[],
  best: Map<string, Load>,
  options: ServeBenchOptions,
): void {
  const rows: string[][] = [];
  for (const [k, s] of servers.entries())
    for (const c of options.connections) {
      const r = best.get(`${k}/${c}`)!;
      const base = k === 0 ? undefined : best.get(`0/${c}`);
      rows.push([
        s.label,
        String(c),
        grouped(r.requestsPerSecond),
        String(r.p50),
        String(r.p99),
        base ? `${((100 * r.requestsPerSecond) / base.requestsPerSecond).toFixed(0)}%` : "",
        base ? (base.p99 > 0 ? `${(r.p99 / base.p99).toFixed(2)}×` : "–") : "",
        String(r.failed),
      ]);
    }
  console.log(
    `\n${title}, one-row requests, ${options.seconds} s per measurement, best of ${options.repeat}:\n`,
  );
  console.log(
    markdownTable(
      [
        [
          "server",
          "connections",
          "requests/s",
          "p50 ms",
          "p99 ms",
          "of bare throughput",
          "p99 / bare",
          "failed",
        ],
        ...rows,
      ],
      { align: ["l", "r", "r", "r", "r", "r", "r", "r"] },
    ),
  );
  console.log("");
}

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync("git", args, { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** The version that answers an infer request, or null on failure. */
async function answeringVersion(url: string, body: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/v2/models/mpg/infer`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json" },
    });
    if (!res.ok) return null;
    return ((await res.json()) as { model_version?: string }).model_version ?? null;
  } catch {
    return null;
  }
}

async function reloadTiming(options: ServeBenchOptions): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), "modelgate-serve-bench-"));
  const example = path.join(repoRoot, "examples/cars");
  for (const part of ["modelgate.yml", "data", "models", ".modelgate"])
    cpSync(path.join(example, part), path.join(root, part), { recursive: true });
  git(root, "init", "-q", "-b", "main");
  git(root, "add", ".");
  git(root, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "cars");
  const v1Text = readFileSync(path.join(root, ".modelgate/models/mpg/v1.json"), "utf8");
  const v1 = parseModelFile(v1Text, "v1.json");
  const body = inferBodies(example, 1)[0]!;
  const served = await startChild([
    "modelgate",
    path.join(root, "modelgate.yml"),
    "builtin",
    "0",
    String(options.pollMs),
  ]);
  const times: number[] = [];
  try {
    for (let k = 0; k < options.reloads; k++) {
      const registryFile = path.join(root, ".modelgate/registry.json");
      const change = promote(parseRegistry(readFileSync(registryFile, "utf8"), "registry.json"), {
        model: "mpg",
        alias: "production",
        modelFile: v1Text,
        headSha: `${String(k).padStart(2, "0")}${"cd".repeat(19)}`,
        pr: null,
        mergeCommit: null,
        specHash: v1.specHash,
        dataHash: v1.dataHash,
        metrics: { rmse: 3 },
        actor: "bench",
        at: new Date().toISOString(),
        registryDir: ".modelgate",
      });
      for (const w of change.writes) {
        mkdirSync(path.dirname(path.join(root, w.path)), { recursive: true });
        writeFileSync(path.join(root, w.path), w.content);
      }
      git(root, "add", ".");
      git(
        root,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.invalid",
        "commit",
        "-qm",
        `promote v${change.version}`,
      );
      const committed = performance.now();
      const wanted = String(change.version);
      while ((await answeringVersion(served.url, body)) !== wanted)
        await new Promise((r) => setTimeout(r, 2));
      times.push(performance.now() - committed);
      // Commits land at random points of the poll cycle.
      await new Promise((r) => setTimeout(r, Math.random() * options.pollMs));
    }
  } finally {
    await stopChild(served);
    rmSync(root, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((s, t) => s + t, 0) / times.length;
  console.log(
    `registry commit to the new version serving (a git checkout polled every ${options.pollMs} ms, ` +
      `${times.length} promotions): mean ${mean.toFixed(0)} ms, median ${sorted[sorted.length >> 1]!.toFixed(0)} ms, ` +
      `max ${sorted.at(-1)!.toFixed(0)} ms\n`,
  );
}

/** Runs the serving bench and prints its tables. */
export async function runServeBench(options: ServeBenchOptions): Promise<void> {
  await loadTable(options);
  if (options.reloads > 0) await reloadTiming(options);
}
