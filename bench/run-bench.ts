/**
 * `npm run bench`: the speed and memory of `modelgate run` on generated reference data, beside
 * the baselines it is measured against, all in one run so the ratios compare like with like.
 *
 *   npm run bench                      100,000 and 1,000,000 rows
 *   npm run bench -- --rows 10000000   one size (repeat --rows for several)
 *   npm run bench -- --repeat 3        each task 3 times, the fastest kept
 *   npm run bench -- --categories 4    4 of the 20 features category columns (5 levels each)
 *   npm run bench -- --tasks app-traffic   only the app under a burst of webhooks (app-traffic.ts)
 *   npm run bench -- --tasks onnx      ONNX scoring only (--onnx-rows, default 1,000,000)
 *   npm run bench -- --tasks formats    CSV and Parquet, 1,000,000 rows, against DuckDB (formats-bench.ts;
 *                                      --formats-rows)
 *   npm run bench -- --tasks serve     `modelgate serve` under load (serve-bench.ts; --serve-seconds,
 *                                      --connections 1,16,64, --batch-wait 2, --reloads 10, --poll 1000;
 *                                      --paired-rounds 8 --round-seconds 2 adds the paired comparison,
 *                                      --serve-seconds 0 leaves out the best-of rounds,
 *                                      --serve-examples builtin|onnx one example,
 *                                      --serve-cpu-prof DIR profiles the servers,
 *                                      --paired-json FILE keeps every paired round)
 *
 * Each task runs in a child process (bench-child.ts); peak memory is the child's maximum
 * resident set as the operating system counts it. The data is cached in .bench/. The bench
 * measures and prints; it does not judge, and exits 0 whatever the numbers.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpus, loadavg, tmpdir } from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { markdownTable } from "markdown-table";
import { benchProject, logisticBenchProject, type BenchProject } from "./bench-data.js";
import { runOnnxBench } from "./onnx-bench.js";
import { runServeBench } from "./serve-bench.js";
import { DIALECT_TASKS, dialectBenchProject, dialectChildTask, isDialectTask } from "./dialect-data.js";
import { runFormatsBench } from "./formats-bench.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");

interface Measurement {
  task: string;
  label: string;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMb: number;
  check: string;
  failed?: string;
}

const TASKS = [
  { task: "run", label: "modelgate run (train + evaluate)" },
  { task: "run-logistic", label: "modelgate run, logistic regression (streamed IRLS)" },
  { task: "ingest", label: "ingest alone (checks, hash, profile)" },
  { task: "ingest-one-thread", label: "ingest alone, one thread (no worker)" },
  { task: "ingest-javascript", label: "ingest alone, JavaScript tokenizer (no WebAssembly)" },
  ...DIALECT_TASKS,
  { task: "split-number", label: "plain split-and-Number loop" },
  { task: "csv-parse-ml-regression", label: "csv-parse + ml-regression-multivariate-linear" },
  { task: "ml-regression", label: "split loop + ml-regression-multivariate-linear" },
  { task: "numpy", label: "numpy loadtxt + lstsq (information)" },
  { task: "udsv", label: "parser candidate: udsv, typed" },
  { task: "csv-parser", label: "parser candidate: csv-parser, then Number()" },
  { task: "papaparse", label: "parser candidate: papaparse, dynamicTyping" },
] as const;

/** ml-regression holds every row as a JS array (about 2 GB per million rows here). */
const ML_REGRESSION_MAX_ROWS = 2_000_000;

function hasNumpy(): boolean {
  const probe = spawnSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
  return probe.status === 0;
}

/** Runs one task in a child and reads its result from file descriptor 3. */
function measure(task: string, project: BenchProject): Promise<Omit<Measurement, "label">> {
  const out = mkdtempSync(path.join(tmpdir(), "modelgate-bench-"));
  const [command, args] =
    task === "numpy"
      ? ["python3", [path.join(repoRoot, "bench/numpy-baseline.py"), project.csv]]
      : [
          process.execPath,
          [
            path.join(here, "bench-child.js"),
            task === "run-logistic" ? "run" : dialectChildTask(task),
            project.root,
            out,
          ],
        ];
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe", "pipe"] });
  let report = "";
  let stderr = "";
  child.stdio[3]!.on("data", (d: Buffer) => (report += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      rmSync(out, { recursive: true, force: true });
      try {
        const r = JSON.parse(report) as { check: string; cpuSeconds: number; maxRssMb: number };
        resolve({ task, wallSeconds, ...r, ...(code === 0 ? {} : { failed: `exit code ${code}` }) });
      } catch {
        const why = stderr.trim().split("\n").slice(-3).join(" / ") || `exit code ${code}`;
        resolve({ task, wallSeconds, cpuSeconds: NaN, maxRssMb: NaN, check: "", failed: why });
      }
    });
  });
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
const grouped = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en") : "–");

function table(project: BenchProject, results: Measurement[]): string {
  const mb = project.bytes / 1e6;
  return markdownTable(
    [
      ["task", "wall s", "CPU s", "rows/s", "MB/s", "peak MB", "check"],
      ...results.map((r) =>
        r.failed
          ? [r.label, "failed", "", "", "", "", r.failed]
          : [
              r.label,
              fixed(r.wallSeconds, 2),
              fixed(r.cpuSeconds, 2),
              grouped(project.rows / r.wallSeconds),
              fixed(mb / r.wallSeconds, 1),
              fixed(r.maxRssMb, 0),
              r.check,
            ],
      ),
    ],
    { align: ["l", "r", "r", "r", "r", "r", "l"] },
  );
}

function ratios(results: Measurement[]): string[] {
  const wall = (task: string) => {
    const r = results.find((m) => m.task === task && !m.failed);
    return r?.wallSeconds;
  };
  const lines: string[] = [];
  const run = wall("run");
  const loop = wall("split-number");
  const csvParse = wall("csv-parse-ml-regression");
  const ml = wall("ml-regression");
  const numpy = wall("numpy");
  if (run !== undefined) {
    if (loop !== undefined)
      lines.push(`- end-to-end / split-and-Number loop: ${(run / loop).toFixed(2)} (target: at most 1)`);
    if (csvParse !== undefined)
      lines.push(
        `- end-to-end is ${(csvParse / run).toFixed(1)}× faster than csv-parse + ml-regression (target: at least 8×)`,
      );
    if (ml !== undefined)
      lines.push(`- end-to-end is ${(ml / run).toFixed(1)}× faster than split loop + ml-regression`);
    if (numpy !== undefined) lines.push(`- end-to-end / numpy load + solve: ${(run / numpy).toFixed(2)}`);
  }
  const linear = results.find((m) => m.task === "run" && !m.failed);
  const logistic = results.find((m) => m.task === "run-logistic" && !m.failed);
  if (linear && logistic)
    lines.push(
      `- logistic run / linear run: ${(logistic.wallSeconds / linear.wallSeconds).toFixed(1)}× the time, ` +
        `${(logistic.maxRssMb / linear.maxRssMb).toFixed(2)}× the peak memory (target: at most 1.5×)`,
    );
  const ingest = wall("ingest");
  if (ingest !== undefined && loop !== undefined)
    lines.push(`- ingest alone / split-and-Number loop: ${(ingest / loop).toFixed(2)}`);
  const oneThread = wall("ingest-one-thread");
  if (ingest !== undefined && oneThread !== undefined)
    lines.push(`- ingest with the worker thread / on one thread: ${(ingest / oneThread).toFixed(2)}`);
  const javascript = wall("ingest-javascript");
  if (ingest !== undefined && javascript !== undefined)
    lines.push(
      `- ingest with the WebAssembly kernel / with the JavaScript tokenizer: ${(ingest / javascript).toFixed(2)}`,
    );
  // CSV with trim + missing markers against CSV default: the dialect keeps the fast path.
  for (const [dialect, plain] of [
    ["run-dialect", run],
    ["ingest-dialect", ingest],
  ] as const) {
    const seconds = wall(dialect);
    if (seconds !== undefined && plain !== undefined)
      lines.push(
        `- ${dialect} / ${dialect.replace("-dialect", "")} (CSV default): ${(seconds / plain).toFixed(2)}`,
      );
  }
  const candidates = ["udsv", "csv-parser", "papaparse"]
    .map((task) => ({ task, seconds: wall(task) }))
    .filter((c): c is { task: string; seconds: number } => c.seconds !== undefined)
    .sort((a, b) => a.seconds - b.seconds);
  const fastest = candidates[0];
  if (ingest !== undefined && fastest !== undefined)
    lines.push(
      `- ingest alone (checks, hash, profile) / the fastest parser candidate, ${fastest.task} (parsing only): ${(ingest / fastest.seconds).toFixed(2)}`,
    );
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: "string", multiple: true },
      repeat: { type: "string", default: "1" },
      cache: { type: "string", default: path.join(repoRoot, ".bench") },
      tasks: { type: "string" },
      categories: { type: "string", default: "0" },
      "onnx-rows": { type: "string", default: "1000000" },
      "formats-rows": { type: "string", default: "1000000" },
      "onnx-backends": { type: "string", default: "native,wasm" },
      "serve-seconds": { type: "string", default: "5" },
      connections: { type: "string", default: "1,16,64" },
      "batch-wait": { type: "string", default: "2" },
      reloads: { type: "string", default: "10" },
      poll: { type: "string", default: "1000" },
      "paired-rounds": { type: "string", default: "0" },
      "round-seconds": { type: "string", default: "2" },
      "serve-examples": { type: "string", default: "builtin,onnx" },
      "serve-cpu-prof": { type: "string" },
      "paired-json": { type: "string" },
    },
  });
  const categories = Number(values.categories);
  if (!Number.isInteger(categories) || categories < 0 || categories > 4)
    throw new Error("--categories takes 0 to 4 (features made category columns)");
  const sizes = (values.rows ?? ["100000", "1000000"]).map((r) => Number(r.replaceAll("_", "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error("--rows takes a positive integer");
  const repeat = Math.max(1, Number(values.repeat));
  const wanted = values.tasks?.split(",");
  const numpy = hasNumpy();
  const cpu = cpus();
  console.log(
    `modelgate bench: node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? "CPU"}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}, best of ${repeat}${numpy ? "" : "; numpy not found, its line is skipped"}\n`,
  );
  if (wanted === undefined || wanted.includes("onnx")) {
    await runOnnxBench(Number(values["onnx-rows"]), repeat, values["onnx-backends"].split(","));
  }
  if (wanted === undefined || wanted.includes("serve")) {
    await runServeBench({
      seconds: Number(values["serve-seconds"]),
      repeat,
      connections: values.connections.split(",").map(Number),
      batchWaitMs: Number(values["batch-wait"]),
      reloads: Number(values.reloads),
      pollMs: Number(values.poll),
      pairedRounds: Number(values["paired-rounds"]),
      roundSeconds: Number(values["round-seconds"]),
      formats: values["serve-examples"].split(","),
      ...(values["serve-cpu-prof"] ? { cpuProfDir: path.resolve(values["serve-cpu-prof"]) } : {}),
      ...(values["paired-json"] ? { pairedJson: path.resolve(values["paired-json"]) } : {}),
    });
  }
  if (wanted === undefined || wanted.includes("formats")) {
    await runFormatsBench(values.cache, Number(values["formats-rows"]), repeat);
  }
  // `--tasks app-traffic`, `onnx`, `serve` or `formats` alone generates no data.
  const standalone = ["app-traffic", "onnx", "serve", "formats"];
  for (const rows of wanted?.every((t) => standalone.includes(t)) ? [] : sizes) {
    process.stdout.write(`generating ${rows.toLocaleString("en")} rows (cached in ${values.cache}) … `);
    const project = await benchProject(values.cache, rows, undefined, categories);
    console.log(`${(project.bytes / 1e6).toFixed(0)} MB`);
    const results: Measurement[] = [];
    for (const { task, label } of TASKS) {
      if (wanted && !wanted.includes(task)) continue;
      if (task === "numpy" && !numpy) continue;
      // The baselines read numbers only.
      if (categories > 0 && !(task === "run" || task.startsWith("ingest"))) continue;
      if (categories > 0 && isDialectTask(task)) continue;
      if (task.endsWith("ml-regression") && rows > ML_REGRESSION_MAX_ROWS) {
        console.log(`  ${label}: skipped above ${ML_REGRESSION_MAX_ROWS.toLocaleString("en")} rows (memory)`);
        continue;
      }
      // The logistic run reads a data set of its own: the same features and a 0/1 target.
      // The dialect tasks read the same rows written with ", " and "?" (dialect-data.ts).
      const taskProject =
        task === "run-logistic"
          ? await logisticBenchProject(values.cache, rows)
          : isDialectTask(task)
            ? await dialectBenchProject(values.cache, rows)
            : project;
      let best: Omit<Measurement, "label"> | undefined;
      for (let k = 0; k < repeat; k++) {
        const m = await measure(task, taskProject);
        if (best === undefined || (!m.failed && (best.failed || m.wallSeconds < best.wallSeconds))) best = m;
      }
      results.push({ ...best!, label });
      console.log(
        `  ${label}: ${best!.failed ? `failed (${best!.failed})` : `${fixed(best!.wallSeconds, 2)} s`}`,
      );
    }
    console.log(
      `\n${rows.toLocaleString("en")} rows × 20 features${categories > 0 ? ` (${categories} of them categories)` : ""} + target, ${(project.bytes / 1e6).toFixed(0)} MB:\n`,
    );
    console.log(table(project, results));
    console.log(`\n${ratios(results).join("\n")}\n`);
  }
  if (!wanted || wanted.includes("app-traffic")) {
    // The app under a burst of webhooks (app-traffic.ts), in its own process.
    const child = spawnSync(process.execPath, [path.join(here, "app-traffic.js")], { stdio: "inherit" });
    if (child.status !== 0) console.log(`app traffic: failed (exit code ${child.status})`);
  }
}

await main();
