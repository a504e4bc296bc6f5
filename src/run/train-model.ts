/** Training one model from its specs: check the data, fit, and build the model file. */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TEST, TRAIN, type ColumnVector, type RowBatch, type Side } from "../data/row-batch.js";
import { RowSpill } from "../data/row-spill.js";
import type { DatasetScan } from "../data/scan-dataset.js";
import type { DataProfile } from "../data/profile-columns.js";
import { referenceProfiler } from "./data-change.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import { builtinAlgorithm } from "../project/schemas.js";
import type { ModelFit } from "../train/fit-common.js";
import { fitLinear, planLinear, rereadsRows } from "../train/fit-linear.js";
import { fitLogistic } from "../train/fit-logistic.js";
import { serialiseModel, type ModelFile } from "../model/model-file.js";
import { progress } from "./progress-stream.js";
import { openSpecOnnxModel, type CheckedOnnxModel } from "../model/onnx/index.js";
import { modelFileHeader, onnxModelFile, prebuiltFit } from "./prebuilt-model.js";
import { fitCommand, type CommandRecord } from "../train/command/fit-command.js";
import { scanModelData } from "../shard/shard-data.js";

/** What training needs from its caller (evaluation passes its own options). */
export interface TrainOptions {
  /** Paths in problems are relative to this folder (the working directory). */
  displayBase: string;
  /** Progress lines (rows read, rows/s) for long runs. */
  onProgress?: (event: { model: string; pass: string; rows: number }) => void;
  /**
   * Where the runs of a training command (`algorithm: { type: command }`) keep their folders
   * (logs, curves), one sub-folder per model; a temporary folder, removed afterwards, without it.
   */
  commandDir?: string;
  /**
   * Histogram edges by column (the champion's training profile's): the checking scan also counts
   * the numeric columns into them, returned as `binned`, so drift against the champion's data
   * compares like with like.
   */
  referenceEdges?: Record<string, number[]>;
}

export interface TrainedModel {
  scan: DatasetScan;
  /** The numeric columns counted into `referenceEdges`, when given. */
  binned?: DataProfile;
  fit: ModelFit;
  model: ModelFile;
  modelText: string;
  modelSha256: string;
  /** The ONNX model of an `algorithm: { type: onnx }` spec, or a training command's, checked. */
  onnx?: CheckedOnnxModel;
  /** What a training command did: its runs, and their output (bounded) by run folder. */
  command?: { record: CommandRecord; logs: Record<string, string> };
  /**
   * The data's test rows again, each call a new pass (the scoring pass), read back from the
   * temporary file the checking scan wrote: no parsing, no checks. Valid until `release`.
   */
  rows: () => AsyncIterable<RowBatch>;
  /** Removes the rows' temporary file. Safe to call twice; the file also goes at exit. */
  release: () => void;
}

/**
 * Scans the data (every check), fits the model with its search, and serialises the model file.
 *
 * The data is parsed once: the checking scan hands every batch to the fit's statistics and
 * factoring (linear models) and to a temporary binary file that the later passes (scoring,
 * and a logistic fit's) read back. Part files named by a glob are scanned in order as one.
 */
export async function trainModel(m: LoadedModel, options: TrainOptions): Promise<TrainedModel> {
  const shown = displayPath(options.displayBase, m.dataFile);
  // A prebuilt model is checked before the data is read: a bad file fails fast.
  let onnx =
    m.spec.algorithm.type === "onnx"
      ? openSpecOnnxModel(m, (p) => displayPath(options.displayBase, p))
      : undefined;
  // Every row is kept for a fit that reads them again (logistic, or a search scored by mae...);
  // the scoring pass reads the test rows only: a spill of their own, a fifth of the bytes.
  const byCommand = m.spec.algorithm.type === "command";
  const rereads =
    onnx === undefined &&
    !byCommand &&
    (m.spec.task === "classification" || rereadsRows(planLinear(m.spec, m.data, m.features)));
  // A command's runs read the train side again (rows files, held-out folds): a spill of its own.
  const spill = rereads || byCommand ? RowSpill.open() : undefined;
  let testSpill: RowSpill;
  try {
    testSpill = RowSpill.open();
  } catch (error) {
    spill?.close();
    throw error;
  }
  try {
    let scan: DatasetScan | undefined;
    const reference = referenceProfiler(m, options.referenceEdges);
    const checkingScan = async (visit?: (batch: RowBatch) => void): Promise<void> => {
      let rows = 0;
      const onBatch = (batch: RowBatch): void => {
        if (byCommand) {
          const train = rowsOfSide(batch, TRAIN);
          if (train.length > 0) spill!.append(train);
        } else spill?.append(batch);
        const test = rowsOfSide(batch, TEST);
        if (test.length > 0) testSpill.append(test);
        visit?.(batch);
        reference?.add(batch);
        rows += batch.length;
        options.onProgress?.({ model: m.name, pass: "check", rows });
      };
      scan = await scanModelData(m, options.displayBase, onBatch);
    };
    let reads = 0;
    const read = () => {
      if (spill === undefined) throw new Error("the fit read the rows again, which its plan did not say");
      // Logistic regression reads the rows once per iteration: each pass is its own progress line.
      reads++;
      return progress(spill.batches(), m.name, reads === 1 ? "train" : `train ${reads}`, options);
    };
    const input = { spec: m.spec, data: m.data, features: m.features, read, source: shown };
    let fit: ModelFit;
    let command: TrainedModel["command"];
    if (byCommand) {
      await checkingScan();
      const trained = await fitByCommand(m, spill!, options);
      fit = trained.fit;
      onnx = trained.onnx;
      command = { record: trained.record, logs: trained.logs };
    } else if (onnx !== undefined) {
      await checkingScan();
      fit = prebuiltFit(scan!, scan!.missing[m.spec.target] ?? 0);
    } else if (m.spec.task === "classification") {
      await checkingScan();
      fit = await fitLogistic(input);
    } else fit = await fitLinear({ ...input, firstPass: checkingScan });
    if (scan === undefined) throw new Error("the fit did not run the checking scan");
    const model = onnx === undefined ? toModelFile(m, fit, scan) : onnxModelFile(m, onnx, scan);
    const { text, sha256 } = serialiseModel(model);
    return {
      scan,
      fit,
      model,
      ...(onnx === undefined ? {} : { onnx }),
      ...(command === undefined ? {} : { command }),
      ...(reference !== undefined ? { binned: reference.result() } : {}),
      modelText: text,
      modelSha256: sha256,
      rows: () => testSpill.batches(),
      release: () => {
        spill?.close();
        testSpill.close();
      },
    };
  } catch (error) {
    spill?.close();
    testSpill.close();
    throw error;
  }
}

/** A training command's fit, in the caller's folder for runs or a temporary one. */
async function fitByCommand(m: LoadedModel, spill: RowSpill, options: TrainOptions) {
  const keep = options.commandDir !== undefined;
  const dir = keep
    ? path.join(options.commandDir!, m.name)
    : mkdtempSync(path.join(tmpdir(), "modelgate-command-"));
  mkdirSync(dir, { recursive: true });
  try {
    return await fitCommand({
      m,
      trainRows: () => spill.batches(),
      dir,
      show: (p) => displayPath(options.displayBase, p),
    });
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of a batch on one side of the split, in order (the batch itself when all are). */
function rowsOfSide(batch: RowBatch, wanted: Side): RowBatch {
  const side = batch.side;
  let count = 0;
  for (let i = 0; i < batch.length; i++) if (side[i] === wanted) count++;
  if (count === batch.length) return batch;
  const at = new Uint32Array(count);
  for (let i = 0, k = 0; i < batch.length; i++) if (side[i] === wanted) at[k++] = i;
  const pick = <A extends Float64Array | Int32Array | Uint32Array | Uint8Array>(from: A, to: A): A => {
    for (let k = 0; k < count; k++) to[k] = from[at[k]!]!;
    return to;
  };
  const columns = batch.columns.map((col): ColumnVector => {
    if (col.kind === "numeric") return { ...col, values: pick(col.values, new Float64Array(count)) };
    if (col.kind === "category") return { ...col, codes: pick(col.codes, new Int32Array(count)) };
    return { ...col, values: Array.from(at, (i) => col.values[i] ?? null) };
  });
  return {
    length: count,
    row: pick(batch.row, new Uint32Array(count)),
    line: pick(batch.line, new Uint32Array(count)),
    side: new Uint8Array(count).fill(wanted),
    columns,
  };
}

/** The model file of a fit: what the registry keeps of a version. */
export function toModelFile(m: LoadedModel, fit: ModelFit, scan: DatasetScan): ModelFile {
  const algo = builtinAlgorithm(m.spec);
  return {
    ...modelFileHeader(m, scan),
    trainingRows: fit.trainingRows,
    algorithm: {
      type: algo.type,
      intercept: algo.intercept,
      alpha: fit.alpha,
      threshold: algo.type === "logistic" ? algo.threshold : null,
    },
    pipeline: fit.pipeline,
    coefficients: fit.coefficients,
    intercept: fit.intercept,
    standardErrors: fit.standardErrors,
    interceptStandardError: fit.interceptStandardError,
    profile: scan.profile,
    warnings: fit.warnings,
  };
}
