/** Training one model from its specs: check the data, fit, and build the model file. */
import { TEST, type ColumnVector, type RowBatch } from "../data/row-batch.js";
import { RowSpill } from "../data/row-spill.js";
import { scanDataset, type DatasetScan } from "../data/scan-dataset.js";
import { displayPath, type LoadedModel } from "../project/load-project.js";
import type { ModelFit } from "../train/fit-common.js";
import { fitLinear, planLinear, rereadsRows } from "../train/fit-linear.js";
import { fitLogistic } from "../train/fit-logistic.js";
import { MODEL_FILE_FORMAT, serialiseModel, type ModelFile } from "../model/model-file.js";
import type { EvaluateOptions } from "./evaluate-model.js";
import { progress } from "./progress-stream.js";
import { combineScans, scanPart, sharedEdges, shareLevels, type PartScan } from "../shard/shard-data.js";

export interface TrainedModel {
  scan: DatasetScan;
  fit: ModelFit;
  model: ModelFile;
  modelText: string;
  modelSha256: string;
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
export async function trainModel(
  m: LoadedModel,
  options: Pick<EvaluateOptions, "displayBase" | "onProgress">,
): Promise<TrainedModel> {
  const shown = displayPath(options.displayBase, m.dataFile);
  const specFile = displayPath(options.displayBase, m.dataSpecFile);
  // Every row is kept for a fit that reads them again (logistic, or a search scored by mae...);
  // the scoring pass reads the test rows only: a spill of their own, a fifth of the bytes.
  const rereads = m.spec.task === "classification" || rereadsRows(planLinear(m.spec, m.data, m.features));
  const spill = rereads ? RowSpill.open() : undefined;
  let testSpill: RowSpill;
  try {
    testSpill = RowSpill.open();
  } catch (error) {
    spill?.close();
    throw error;
  }
  try {
    let scan: DatasetScan | undefined;
    const checkingScan = async (visit?: (batch: RowBatch) => void): Promise<void> => {
      let rows = 0;
      const onBatch = (batch: RowBatch): void => {
        spill?.append(batch);
        const test = testRowsOf(batch);
        if (test.length > 0) testSpill.append(test);
        visit?.(batch);
        rows += batch.length;
        options.onProgress?.({ model: m.name, pass: "check", rows });
      };
      if (m.dataParts === undefined) {
        // Every use of a batch copies what it keeps (spills, statistics, profile).
        scan = await scanDataset(m.data, m.dataFile, { file: shown, specFile, onBatch, recycle: true });
        return;
      }
      // Part files: each scanned in order into the one spill (with levels shared by all
      // parts), the scans combined.
      const edges = await sharedEdges(m);
      const unify = shareLevels();
      const parts: PartScan[] = [];
      for (const file of m.dataParts)
        parts.push(
          await scanPart(m, file, {
            displayBase: options.displayBase,
            edges,
            onBatch: (b) => onBatch(unify(b)),
          }),
        );
      scan = combineScans(m, parts, options.displayBase);
    };
    const read = () => {
      if (spill === undefined) throw new Error("the fit read the rows again, which its plan did not say");
      return progress(spill.batches(), m.name, "train", options);
    };
    const input = { spec: m.spec, data: m.data, features: m.features, read, source: shown };
    let fit: ModelFit;
    if (m.spec.task === "classification") {
      await checkingScan();
      fit = await fitLogistic(input);
    } else fit = await fitLinear({ ...input, firstPass: checkingScan });
    if (scan === undefined) throw new Error("the fit did not run the checking scan");
    const model = toModelFile(m, fit, scan);
    const { text, sha256 } = serialiseModel(model);
    return {
      scan,
      fit,
      model,
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

/** The test-side rows of a batch, in order (the batch itself when all are). */
function testRowsOf(batch: RowBatch): RowBatch {
  const side = batch.side;
  let count = 0;
  for (let i = 0; i < batch.length; i++) if (side[i] === TEST) count++;
  if (count === batch.length) return batch;
  const at = new Uint32Array(count);
  for (let i = 0, k = 0; i < batch.length; i++) if (side[i] === TEST) at[k++] = i;
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
    side: new Uint8Array(count).fill(TEST),
    columns,
  };
}

/** The model file of a fit: what the registry keeps of a version. */
export function toModelFile(m: LoadedModel, fit: ModelFit, scan: DatasetScan): ModelFile {
  const algo = m.spec.algorithm;
  return {
    format: MODEL_FILE_FORMAT,
    model: m.name,
    task: m.spec.task,
    target: m.spec.target,
    positiveClass: m.spec.positiveClass === undefined ? null : String(m.spec.positiveClass),
    specHash: m.specHash,
    dataHash: scan.sha256,
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
