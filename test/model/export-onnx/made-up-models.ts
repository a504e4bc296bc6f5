/** Model files made up in code, for the export tests: any pipeline, without training. */
import type { FeatureStep } from "../../../src/model/pipeline.js";
import { MODEL_FILE_FORMAT, type ModelFile } from "../../../src/model/model-file.js";

export const HASH = "0".repeat(64);
export const options = { producerVersion: "0.0.0-test", modelSha256: HASH, source: "test" };

export function modelOf(
  features: FeatureStep[],
  coefficients: Record<string, number>,
  extra: { intercept?: number | null; task?: ModelFile["task"]; threshold?: number | null } = {},
): ModelFile {
  const intercept = extra.intercept === undefined ? 1.5 : extra.intercept;
  const task = extra.task ?? "regression";
  return {
    format: MODEL_FILE_FORMAT,
    model: "m",
    task,
    target: "y",
    positiveClass: task === "classification" ? "yes" : null,
    specHash: HASH,
    dataHash: HASH,
    trainingRows: 100,
    algorithm: {
      type: task === "classification" ? "logistic" : "ridge",
      intercept: intercept !== null,
      alpha: 1,
      threshold: extra.threshold ?? null,
    },
    pipeline: { features, intercept: intercept !== null, standardise: true },
    coefficients,
    intercept,
    standardErrors: {},
    interceptStandardError: null,
    profile: null,
    warnings: [],
  };
}

export function numeric(
  name: string,
  type: "number" | "integer" | "boolean" | "date",
  impute: FeatureStep["impute"],
  fill: number | null,
  degree = 1,
): FeatureStep {
  const terms = Array.from({ length: degree }, (_, k) => (k === 0 ? name : `${name}^${k + 1}`));
  return {
    kind: "numeric",
    name,
    type,
    impute,
    fill,
    degree,
    terms,
    mean: terms.map(() => 0),
    std: terms.map(() => 1),
  };
}

export function category(
  name: string,
  levels: string[],
  impute: FeatureStep["impute"],
  fill: string | null,
  reference: string | null,
): FeatureStep {
  return {
    kind: "category",
    name,
    impute,
    fill,
    levels,
    reference,
    terms: levels.filter((l) => l !== reference).map((l) => `${name}=${l}`),
  };
}
