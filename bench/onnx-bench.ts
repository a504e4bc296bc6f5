/**
 * The ONNX scoring section of `npm run bench`: for each model (a 20-feature float64 linear model
 * and a 150-tree float32 gradient-boosting ensemble, bench/models/), each runtime build (native
 * onnxruntime-node, onnxruntime-web's WebAssembly) and 1 and 2 threads, modelgate's scoring
 * against a bare InferenceSession.run of the same runtime on the same batches. Each measurement
 * is one child process (onnx-bench-child.ts), so peak memory is its own.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { markdownTable } from "markdown-table";

const here = path.dirname(fileURLToPath(import.meta.url));

interface OnnxMeasurement {
  loadMs: number;
  scoreSeconds: number;
  layoutSeconds: number;
  rowsPerSecond: number;
  check: string;
  maxRssMb: number;
}

function measure(args: string[]): Promise<OnnxMeasurement | string> {
  const child = spawn(process.execPath, [path.join(here, "onnx-bench-child.js"), ...args], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  let report = "";
  let stderr = "";
  child.stdio[3]!.on("data", (d: Buffer) => (report += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => {
      try {
        resolve(JSON.parse(report) as OnnxMeasurement);
      } catch {
        resolve(stderr.trim().split("\n").slice(-2).join(" / ") || `exit code ${code}`);
      }
    });
  });
}

async function best(args: string[], repeat: number): Promise<OnnxMeasurement | string> {
  let kept: OnnxMeasurement | string = "not run";
  for (let k = 0; k < repeat; k++) {
    const m = await measure(args);
    if (typeof kept === "string" || (typeof m !== "string" && m.scoreSeconds < kept.scoreSeconds)) kept = m;
  }
  return kept;
}

const rate = (v: number) => (v / 1e6).toFixed(2);

/** Runs every combination on `rows` rows and prints one table. */
export async function runOnnxBench(
  rows: number,
  repeat: number,
  backends: string[] = ["native", "wasm"],
): Promise<void> {
  const lines: string[][] = [
    [
      "model",
      "runtime",
      "threads",
      "modelgate M rows/s",
      "bare run M rows/s",
      "bare layout + run M rows/s",
      "modelgate / bare run",
      "modelgate / bare layout + run",
      "load ms (modelgate, bare)",
      "peak MB (modelgate, bare)",
    ],
  ];
  for (const model of ["linear", "trees"]) {
    for (const backend of backends) {
      for (const threads of ["1", "2"]) {
        const args = (mode: string) => [model, backend, threads, mode, String(rows)];
        const ours = await best(args("modelgate"), repeat);
        const bare = await best(args("bare"), repeat);
        const label = `${model === "linear" ? "linear, 20 features, float64" : "150 trees, float32"}`;
        if (typeof ours === "string" || typeof bare === "string") {
          lines.push([
            label,
            backend,
            threads,
            "failed",
            typeof ours === "string" ? ours : "",
            typeof bare === "string" ? bare : "",
            "",
            "",
            "",
            "",
          ]);
          continue;
        }
        if (ours.check !== bare.check)
          throw new Error(`modelgate and bare disagree: ${ours.check} against ${bare.check}`);
        const bareWithLayout = rows / (bare.scoreSeconds + bare.layoutSeconds);
        lines.push([
          label,
          backend,
          threads,
          rate(ours.rowsPerSecond),
          rate(bare.rowsPerSecond),
          rate(bareWithLayout),
          (ours.scoreSeconds / bare.scoreSeconds).toFixed(2),
          (ours.scoreSeconds / (bare.scoreSeconds + bare.layoutSeconds)).toFixed(2),
          `${ours.loadMs.toFixed(0)}, ${bare.loadMs.toFixed(0)}`,
          `${ours.maxRssMb.toFixed(0)}, ${bare.maxRssMb.toFixed(0)}`,
        ]);
        console.log(
          `  ONNX ${label}, ${backend}, ${threads} thread(s): ${rate(ours.rowsPerSecond)} M rows/s (bare run ${rate(bare.rowsPerSecond)})`,
        );
      }
    }
  }
  console.log(
    `\nONNX scoring, ${rows.toLocaleString("en")} rows × 20 features in batches of 100,000 (best of ${repeat}):\n`,
  );
  console.log(markdownTable(lines, { align: ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r"] }));
  console.log(
    "\n- modelgate: the file read and checked, columns cast and laid out into the model's input, then run." +
      "\n- bare run: InferenceSession.run alone, its input laid out beforehand (untimed);" +
      " bare layout + run: the same with a plain layout loop timed, the work a caller holding columns does.\n",
  );
}
