/**
 * One measured ONNX scoring task, in its own process so its peak memory is its own:
 *
 *   node build/bench/onnx-bench-child.js <linear|trees> <native|wasm> <threads> <modelgate|bare> <rows>
 *
 * Both modes score the same seeded rows, 20 features, in batches of 100,000, handed over as the
 * readers hand them to the engine (one Float64Array per column). `modelgate` goes through the
 * engine: read + check the file, OnnxScorer (columns cast and laid out into the model's input).
 * `bare` is the floor: InferenceSession.run of the same runtime on the same batches, already laid
 * out row-major in the model's element type by a plain loop, timed apart (`layoutSeconds`), so the
 * floor is shown with and without it. The drawing of the rows is not timed. The result goes to file descriptor 3 as JSON.
 */
import { readFileSync, writeSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type * as Ort from "onnxruntime-common";
import { checkOnnxBytes, loadOnnxRuntime, OnnxScorer, type OnnxBackend } from "../src/model/onnx/index.js";
import { uniformOpen } from "../src/random.js";

const FEATURES = 20;
const BATCH = 100_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const MODELS = path.resolve(here, "../../bench/models");

/** The columns of batch `b`: seeded normal-ish values (sum of uniforms), the same in both modes. */
function drawBatch(b: number, rows: number, columns: Float64Array[]): void {
  const random = uniformOpen(1000 + b);
  for (let j = 0; j < FEATURES; j++) {
    const c = columns[j]!;
    for (let i = 0; i < rows; i++) c[i] = random() + random() + random() - 1.5;
  }
}

async function main(): Promise<void> {
  const [model = "linear", backend = "native", threadsText = "1", mode = "modelgate", rowsText = "1000000"] =
    process.argv.slice(2);
  const threads = Number(threadsText);
  const total = Number(rowsText);
  const file = path.join(MODELS, model === "trees" ? "trees-150.onnx" : "linear-20.onnx");
  const columns = Array.from({ length: FEATURES }, () => new Float64Array(BATCH));
  const features = columns.map((_, j) => ({ name: `x${j + 1}`, kind: "numeric" as const }));
  let loadMs: number;
  let score: (rows: number) => Promise<Float64Array | Float32Array>;
  // The runtime's module is loaded before the clock starts in both modes: load time is the session's.
  const { ort } = await loadOnnxRuntime(backend as OnnxBackend);
  if (mode === "modelgate") {
    const started = performance.now();
    const checked = checkOnnxBytes(readFileSync(file), { file, features, task: "regression" });
    const scorer = await OnnxScorer.open(checked.bytes, checked.binding, {
      file,
      threads,
      backend: backend as OnnxBackend,
      batchRows: BATCH,
    });
    loadMs = performance.now() - started;
    score = async (rows) => {
      const t = performance.now();
      const out = await scorer.score(
        rows === BATCH ? columns : columns.map((c) => c.subarray(0, rows)),
        rows,
      );
      timed += performance.now() - t;
      return out;
    };
  } else {
    if (backend === "wasm") ort.env.wasm.numThreads = threads;
    const started = performance.now();
    const session = await ort.InferenceSession.create(readFileSync(file), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    });
    loadMs = performance.now() - started;
    const float32 = model === "trees";
    const matrix = float32 ? new Float32Array(BATCH * FEATURES) : new Float64Array(BATCH * FEATURES);
    score = async (rows) => {
      const data = rows === BATCH ? matrix : matrix.subarray(0, rows * FEATURES);
      const laying = performance.now();
      for (let j = 0; j < FEATURES; j++) {
        const c = columns[j]!;
        for (let i = 0, k = j; i < rows; i++, k += FEATURES) data[k] = c[i]!;
      }
      const t = performance.now();
      layout += t - laying;
      const feeds = { features: new ort.Tensor(float32 ? "float32" : "float64", data, [rows, FEATURES]) };
      const out = (await session.run(feeds)) as Record<string, Ort.Tensor>;
      timed += performance.now() - t;
      return out.variable!.data as Float32Array | Float64Array;
    };
  }
  let timed = 0;
  let layout = 0;
  let sum = 0;
  for (let b = 0, done = 0; done < total; b++) {
    const rows = Math.min(BATCH, total - done);
    drawBatch(b, rows, columns);
    const predictions = await score(rows);
    for (let i = 0; i < rows; i++) sum += predictions[i]!;
    done += rows;
  }
  const usage = process.resourceUsage();
  writeSync(
    3,
    JSON.stringify({
      loadMs,
      scoreSeconds: timed / 1000,
      layoutSeconds: layout / 1000,
      rowsPerSecond: total / (timed / 1000),
      check: `sum of predictions ${sum.toPrecision(9)}`,
      maxRssMb: usage.maxRSS / 1024,
    }),
  );
}

await main();
