/** Training one model from its specs: check the data, fit, and build the model file. */
import { scanDataset, readRows, type DatasetScan } from "../data/scan-dataset.js";
import { displayPath, type LoadedModel } from "../spec/load-project.js";
import type { ModelFit } from "../train/fit-common.js";
import { fitLinear } from "../train/fit-linear.js";
import { fitLogistic } from "../train/fit-logistic.js";
import { MODEL_FILE_FORMAT, serialiseModel, type ModelFile } from "../train/model-file.js";
import type { EvaluateOptions } from "./evaluate-model.js";
import { progress } from "./progress-stream.js";

export interface TrainedModel {
  scan: DatasetScan;
  fit: ModelFit;
  model: ModelFile;
  modelText: string;
  modelSha256: string;
}

/** Scans the data (every check), fits the model with its search, and serialises the model file. */
export async function trainModel(
  m: LoadedModel,
  options: Pick<EvaluateOptions, "displayBase" | "onProgress">,
): Promise<TrainedModel> {
  const shown = displayPath(options.displayBase, m.dataFile);
  const specFile = displayPath(options.displayBase, m.dataSpecFile);
  const scan = await scanDataset(m.data, m.dataFile, { file: shown, specFile });
  const read = () =>
    progress(
      readRows(m.data, m.dataFile, { file: shown, specFile, expectSha256: scan.sha256 }),
      m.name,
      "train",
      options,
    );
  const input = { spec: m.spec, data: m.data, features: m.features, read, source: shown };
  const fit = m.spec.task === "classification" ? await fitLogistic(input) : await fitLinear(input);
  const model = toModelFile(m, fit, scan);
  const { text, sha256 } = serialiseModel(model);
  return { scan, fit, model, modelText: text, modelSha256: sha256 };
}

function toModelFile(m: LoadedModel, fit: ModelFit, scan: DatasetScan): ModelFile {
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
