/**
 * A model fitted by the user's training command (`algorithm: { type: command }`):
 *
 * 1. write the train side's rows as CSV (the whole side, and for a search one file per fold
 *    without that fold's rows); the test rows never reach a command;
 * 2. with a search, run the command once per trial x fold (several at once), score each output
 *    on its held-out fold, and choose the trial with the best cross-validated primary metric;
 * 3. run it once more on the whole train side with the chosen parameters: that ONNX model is
 *    the challenger.
 *
 * Every run has its own folder; any failure is an InputError naming the run, its parameters and
 * the last lines of its output, and stops the runs still going.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { TRAIN, type RowBatch } from "../../data/row-batch.js";
import { InputError } from "../../errors.js";
import { metricDefinition } from "../../evaluate/metrics.js";
import type { LoadedModel } from "../../project/load-project.js";
import { isOnnxAlgorithm, type CommandAlgorithmSpec, type MetricName } from "../../project/schemas.js";
import { checkOnnxBytes, onnxRequest, type CheckedOnnxModel } from "../../model/onnx/index.js";
import { onnxFittedModel, type OnnxModelSpec } from "../../model/onnx/onnx-fitted-model.js";
import { chooseTrial, type ModelFit, type TrialResult } from "../fit-common.js";
import { foldOf } from "../search-space.js";
import { targetReader } from "../target.js";
import {
  COMMAND_PROTOCOL,
  commandEnvironment,
  commandTrials,
  csvHeader,
  csvRows,
  parseCurve,
  type CommandParams,
  type CurvePoint,
} from "./command-protocol.js";
import { runCommand } from "./run-command.js";

/** Lines of a failed run's output that its message shows. */
export const TAIL_LINES = 40;
/** Bytes of one run's output its log keeps. */
export const MAX_LOG_BYTES = 256 * 1024;

/** One run of the command, as report.json records it. */
export interface CommandRunRecord {
  /** `trial-2-fold-3` or `final`: also its folder's name. */
  run: string;
  /** 0-based trial. */
  trial: number;
  /** 0-based fold; null for the final fit on the whole train side. */
  fold: number | null;
  params: CommandParams;
  seed: number;
  exitCode: number | null;
  durationMs: number;
  /** Rows it was given. */
  rows: number;
  /** sha256 of the ONNX model it wrote. */
  modelSha256: string;
  /** Its held-out fold's primary metric (search runs). */
  score: number | null;
  /** Points it appended to MODELGATE_METRICS. */
  curve: CurvePoint[];
  /** modelgate's own time around it: preparing its folder, reading and checking its ONNX, scoring its fold. */
  overheadMs: number;
}

/** What report.json keeps of a command's training. */
export interface CommandRecord {
  protocol: number;
  command: string;
  timeoutSeconds: number;
  parallel: number;
  /** Time spent writing the rows files (once for all runs). */
  rowsFileMs: number;
  runs: CommandRunRecord[];
}

export interface CommandFitInput {
  m: LoadedModel;
  /** The train side's rows, each call a new pass. */
  trainRows: () => AsyncIterable<RowBatch>;
  /** The folder the runs go in, one sub-folder each; the rows files are removed at the end. */
  dir: string;
  /** How messages name a path. */
  show: (p: string) => string;
}

export interface CommandFit {
  fit: ModelFit;
  onnx: CheckedOnnxModel;
  record: CommandRecord;
  /** Run folder name -> its output, bounded (for the report folder). */
  logs: Record<string, string>;
}

/** How a spec's ONNX model is scored (prebuilt or written by a command). */
export function onnxModelSpecOf(m: LoadedModel): OnnxModelSpec {
  const algorithm = m.spec.algorithm;
  const types = new Map(m.data.columns.map((c) => [c.name, c.type]));
  return {
    model: m.name,
    task: m.spec.task,
    target: m.spec.target,
    positiveClass: m.spec.positiveClass === undefined ? null : String(m.spec.positiveClass),
    specHash: m.specHash,
    features: m.features.map((name) => ({ name, type: types.get(name)! })),
    threads: isOnnxAlgorithm(algorithm) ? algorithm.threads : 1,
  };
}

/** Fits a command model; see the file comment. */
export async function fitCommand(input: CommandFitInput): Promise<CommandFit> {
  const { m, dir } = input;
  const algorithm = m.spec.algorithm as CommandAlgorithmSpec;
  const trials = commandTrials(m.spec);
  const searching = trials.length > 1;
  const folds = searching ? (m.spec.search?.folds ?? 5) : 0;
  const foldSeed = m.spec.search?.seed ?? m.spec.seed;
  const parallel = Math.max(1, m.spec.search?.parallel ?? availableParallelism());
  const dataDir = path.join(dir, "rows");
  mkdirSync(dataDir, { recursive: true });
  const rowsStarted = performance.now();
  const files = await writeRowsFiles(input, dataDir, folds, foldSeed);
  const record: CommandRecord = {
    rowsFileMs: Math.round(performance.now() - rowsStarted),
    protocol: COMMAND_PROTOCOL,
    command: algorithm.run,
    timeoutSeconds: algorithm.timeout,
    parallel,
    runs: [],
  };
  const logs: Record<string, string> = {};
  const abort = new AbortController();
  try {
    // 2. the search: trial x fold runs, each scored on its held-out fold
    const jobs = searching
      ? trials.flatMap((params, trial) =>
          Array.from({ length: folds }, (_, fold) => ({ params, trial, fold })),
        )
      : [];
    const runs = await inPool(jobs, parallel, abort, async (job) => {
      const started = performance.now();
      const done = await runOnce(
        input,
        { ...job, file: files.folds[job.fold]!, rows: files.foldRows[job.fold]! },
        abort.signal,
      );
      const score = await scoreFold(input, done.onnx, job.fold, folds, foldSeed);
      const overheadMs = Math.max(0, Math.round(performance.now() - started - done.record.durationMs));
      return { ...done, record: { ...done.record, score, overheadMs } };
    });
    const results: TrialResult[] = trials.map((params, trial) => {
      const foldScores = runs.filter((r) => r.record.trial === trial).map((r) => r.record.score);
      const defined = foldScores.filter((s): s is number => s !== null);
      return {
        params: { alpha: null, features: [...m.features], degree: {}, command: params },
        score: defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
        foldScores,
      };
    });
    const primary = primaryMetric(m);
    const chosen = searching ? chooseTrial(results, metricDefinition(primary).higherIsBetter) : 0;

    // 3. the final fit on the whole train side
    const finalStarted = performance.now();
    const final = await runOnce(
      input,
      { params: trials[chosen]!, trial: chosen, fold: null, file: files.all, rows: files.allRows },
      abort.signal,
    );
    final.record.overheadMs = Math.max(
      0,
      Math.round(performance.now() - finalStarted - final.record.durationMs),
    );
    for (const r of [...runs, final]) {
      record.runs.push(r.record);
      logs[r.record.run] = r.log;
    }
    const fit: ModelFit = {
      pipeline: { features: [], intercept: false, standardise: false },
      coefficients: {},
      intercept: null,
      standardErrors: {},
      interceptStandardError: null,
      alpha: null,
      trainingRows: files.allRows,
      missingTarget: files.missingTarget,
      trials: searching ? results : [],
      chosen,
      searchMetric: searching ? primary : "",
      folds,
      warnings: [],
    };
    return { fit, onnx: final.onnx, record, logs };
  } finally {
    abort.abort();
    // The rows never stay behind (they may be private); logs and curves do.
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function primaryMetric(m: LoadedModel): MetricName {
  return m.spec.metrics.primary ?? (m.spec.task === "regression" ? "rmse" : "auc");
}

interface RowsFiles {
  all: string;
  allRows: number;
  folds: string[];
  foldRows: number[];
  missingTarget: number;
}

/** 1. The rows files: every train row with a known target; per fold, the rows outside it. */
async function writeRowsFiles(
  input: CommandFitInput,
  dataDir: string,
  folds: number,
  foldSeed: number,
): Promise<RowsFiles> {
  const { m } = input;
  const names = m.data.columns.map((c) => c.name);
  const order = [...m.features, m.spec.target];
  const at = order.map((n) => names.indexOf(n));
  const targetIndex = names.indexOf(m.spec.target);
  const target = targetReader(m.spec, m.data.columns[targetIndex]!, targetIndex);
  const header = csvHeader(order);
  const files: RowsFiles = {
    all: path.join(dataDir, "train.csv"),
    allRows: 0,
    folds: Array.from({ length: folds }, (_, f) => path.join(dataDir, `without-fold-${f + 1}.csv`)),
    foldRows: new Array<number>(folds).fill(0),
    missingTarget: 0,
  };
  for (const file of [files.all, ...files.folds]) writeFileSync(file, header);
  for await (const batch of input.trainRows()) {
    const keep = new Int32Array(batch.length);
    let count = 0;
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN) continue;
      if (Number.isNaN(target(batch, i))) files.missingTarget++;
      else keep[count++] = i;
    }
    appendFileSync(files.all, csvRows(batch, at, keep, count));
    files.allRows += count;
    for (let f = 0; f < folds; f++) {
      const outside = new Int32Array(count);
      let n = 0;
      for (let t = 0; t < count; t++)
        if (foldOf(batch.row[keep[t]!]!, folds, foldSeed) !== f) outside[n++] = keep[t]!;
      appendFileSync(files.folds[f]!, csvRows(batch, at, outside, n));
      files.foldRows[f]! += n;
    }
  }
  return files;
}

interface RunJob {
  params: CommandParams;
  trial: number;
  fold: number | null;
  file: string;
  rows: number;
}

interface RunDone {
  record: CommandRunRecord;
  onnx: CheckedOnnxModel;
  log: string;
}

/** Runs the command once in a folder of its own and checks the model it wrote. */
async function runOnce(input: CommandFitInput, job: RunJob, signal: AbortSignal): Promise<RunDone> {
  const { m, dir, show } = input;
  const algorithm = m.spec.algorithm as CommandAlgorithmSpec;
  const name = job.fold === null ? "final" : `trial-${job.trial + 1}-fold-${job.fold + 1}`;
  const workdir = path.join(dir, name);
  rmSync(workdir, { recursive: true, force: true });
  mkdirSync(workdir, { recursive: true });
  const paths = {
    train: job.file,
    output: path.join(workdir, "model.onnx"),
    metrics: path.join(workdir, "metrics.jsonl"),
    workdir,
  };
  const logFile = path.join(workdir, "output.log");
  const outcome = await runCommand({
    run: algorithm.run,
    cwd: path.dirname(m.specFile),
    env: commandEnvironment(
      m.spec,
      m.features,
      job.params,
      paths,
      { trial: job.trial, fold: job.fold },
      m.data.columns.find((c) => c.name === m.spec.target),
    ),
    timeoutSeconds: algorithm.timeout,
    logFile,
    maxLogBytes: MAX_LOG_BYTES,
    tailLines: TAIL_LINES,
    signal,
  });
  const fail = (what: string, hint: string): never => {
    const where = m.locate(["algorithm", "run"]);
    const tail =
      outcome.tail.length > 0 ? outcome.tail.map((l) => `    | ${l}`).join("\n") : "    (no output)";
    throw new InputError({
      file: show(m.specFile),
      line: where.line,
      column: where.column,
      message: `the training command ${what} in run ${name} (parameters ${JSON.stringify(job.params)}, seed ${m.spec.seed}); its log is ${show(logFile)}, last lines:\n${tail}`,
      hint,
    });
  };
  if (outcome.aborted) throw new CommandStopped();
  if (outcome.timedOut)
    fail(
      `ran past its timeout of ${formatSeconds(algorithm.timeout)} and was killed with its children`,
      "raise `timeout` in the algorithm, or make the command faster (fewer rows, iterations or trials)",
    );
  if (outcome.exitCode !== 0)
    fail(
      outcome.exitCode === null
        ? `was ended by signal ${outcome.signal}`
        : `exited with status ${outcome.exitCode}`,
      "run it locally with the same MODELGATE_* environment (see the README's training command protocol) to see why",
    );
  if (!existsSync(paths.output))
    fail(
      "wrote no model",
      "write the ONNX model to the path in $MODELGATE_OUTPUT (e.g. onnx.save(model, os.environ['MODELGATE_OUTPUT']))",
    );
  let onnx: CheckedOnnxModel;
  try {
    onnx = checkOnnxBytes(readFileSync(paths.output), onnxRequest(m, show(paths.output)));
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const why = error.problems.map((p) => p.message + (p.hint ? ` (${p.hint})` : "")).join("; ");
    return fail(
      `wrote a model that does not fit the spec: ${why}`,
      "the model takes the spec's features (one 2-D float input in feature order, or one input per feature named like the column) and gives one prediction per row",
    );
  }
  // Its bytes are in memory (the final one goes to the report folder); a run folder keeps logs.
  rmSync(paths.output, { force: true });
  const curve = existsSync(paths.metrics) ? parseCurve(readFileSync(paths.metrics, "utf8")).points : [];
  return {
    record: {
      run: name,
      trial: job.trial,
      fold: job.fold,
      params: job.params,
      seed: m.spec.seed,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      rows: job.rows,
      modelSha256: onnx.sha256,
      score: null,
      curve,
      overheadMs: 0,
    },
    onnx,
    log: readLog(logFile),
  };
}

/** A run stopped because another one failed: the other's error is the answer. */
class CommandStopped extends Error {
  constructor() {
    super("stopped because another run failed");
  }
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** The primary metric of a trial x fold model on its held-out fold's rows. */
async function scoreFold(
  input: CommandFitInput,
  onnx: CheckedOnnxModel,
  fold: number,
  folds: number,
  foldSeed: number,
): Promise<number | null> {
  const { m } = input;
  const names = m.data.columns.map((c) => c.name);
  const targetIndex = names.indexOf(m.spec.target);
  const target = targetReader(m.spec, m.data.columns[targetIndex]!, targetIndex);
  const scorer = await onnxFittedModel(onnx, onnxModelSpecOf(m)).bind(names);
  const actual: number[] = [];
  const predicted: number[] = [];
  try {
    for await (const batch of input.trainRows()) {
      const rows = new Int32Array(batch.length);
      let count = 0;
      for (let i = 0; i < batch.length; i++)
        if (
          batch.side[i] === TRAIN &&
          foldOf(batch.row[i]!, folds, foldSeed) === fold &&
          !Number.isNaN(target(batch, i))
        )
          rows[count++] = i;
      if (count === 0) continue;
      const out = new Float64Array(count);
      await scorer.scoreBatch(batch, rows, count, out);
      for (let t = 0; t < count; t++) {
        actual.push(target(batch, rows[t]!));
        predicted.push(out[t]!);
      }
    }
  } finally {
    await scorer.close?.();
  }
  if (actual.length === 0) return null;
  const algorithm = m.spec.algorithm as CommandAlgorithmSpec;
  const value = metricDefinition(primaryMetric(m)).prepare(
    Float64Array.from(actual),
    Float64Array.from(predicted),
    { threshold: algorithm.threshold },
  )();
  return Number.isNaN(value) ? null : value;
}

/**
 * Runs `work` over the jobs, at most `parallel` at once, results in job order. The first
 * failure aborts the rest (their commands are killed) and is what the pool rejects with.
 */
async function inPool<J, R>(
  jobs: readonly J[],
  parallel: number,
  abort: AbortController,
  work: (job: J) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(jobs.length);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < jobs.length) {
      const k = next++;
      try {
        results[k] = await work(jobs[k]!);
      } catch (error) {
        if (!(error instanceof CommandStopped) && failure === undefined) failure = error;
        abort.abort();
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, jobs.length) }, worker));
  if (failure !== undefined) throw failure;
  return results;
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
