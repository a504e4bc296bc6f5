/** The model spec checked against its data spec: target, features, slices, metrics, algorithm, search. */
import type { Problem } from "../errors.js";
import { suggest } from "./did-you-mean.js";
import {
  isOnnxAlgorithm,
  CLASSIFICATION_METRICS,
  REGRESSION_METRICS,
  type DataSpec,
  type FeatureSpec,
  type MetricName,
  type ModelSpec,
} from "./schemas.js";

/** Where a path of keys is written in a spec file. */
export type At = (
  p: readonly PropertyKey[],
  which?: "key" | "value",
) => { file: string; line: number; column: number };

/** A feature's column name, whether written as a string or as `{name: …}`. */
export function featureName(f: FeatureSpec): string {
  return typeof f === "string" ? f : f.name;
}

/**
 * Checks a model spec against its data spec; problems go to `problems`, located by `at`.
 * Returns the feature names in spec order.
 */
/** Checks the model's columns against the data spec; returns the feature names. */
export function checkModelAgainstData(
  spec: ModelSpec,
  data: DataSpec,
  at: At,
  problems: Problem[],
): string[] {
  const columns = new Map(data.columns.map((c) => [c.name, c]));
  const names = [...columns.keys()];
  const needColumn = (name: string, p: readonly PropertyKey[], role: string) => {
    if (columns.has(name)) return true;
    problems.push({
      ...at(p),
      message: `${role} "${name}" is not a column of the data spec`,
      hint: suggest(name, names, "columns"),
    });
    return false;
  };

  needColumn(spec.target, ["target"], "target");
  const target = columns.get(spec.target);
  if (target) {
    if (spec.task === "regression" && target.type !== "number" && target.type !== "integer")
      problems.push({
        ...at(["target"]),
        message: `a regression target must be a number or integer column; "${spec.target}" is ${target.type}`,
        hint: "set `task: classification` to predict a category, or pick a numeric target",
      });
    if (spec.task === "classification" && spec.positiveClass === undefined)
      problems.push({
        ...at(["task"]),
        message: "classification needs `positiveClass`: the target value that counts as positive",
        hint: target.type === "category" && target.values ? `one of ${target.values.join(", ")}` : undefined,
      });
  }

  const features = spec.features.map(featureName);
  const seen = new Set<string>();
  features.forEach((f, i) => {
    const p = typeof spec.features[i] === "string" ? ["features", i] : ["features", i, "name"];
    if (!needColumn(f, p, "feature")) return;
    if (f === spec.target)
      problems.push({
        ...at(p),
        message: `"${f}" is the target; it cannot also be a feature`,
        hint: "remove it from features",
      });
    if (seen.has(f))
      problems.push({ ...at(p), message: `feature "${f}" is listed twice`, hint: "remove one" });
    seen.add(f);
    const c = columns.get(f)!;
    const feature = spec.features[i]!;
    if (typeof feature !== "string" && isOnnxAlgorithm(spec.algorithm))
      problems.push({
        ...at(["features", i]),
        message: `an ${spec.algorithm.type} model does its own preprocessing; feature "${f}" takes no options`,
        hint: `write the feature as its name alone: - ${f}`,
      });
    if (c.type === "string" && !isOnnxAlgorithm(spec.algorithm))
      problems.push({
        ...at(p),
        message: `feature "${f}" is a free-text string column; models take numbers, booleans, dates and categories`,
        hint: "declare it `type: category` with its values, or leave it out",
      });
    if (typeof feature !== "string" && feature.degree && c.type !== "number" && c.type !== "integer")
      problems.push({
        ...at(["features", i, "degree"]),
        message: `polynomial terms need a numeric feature; "${f}" is ${c.type}`,
      });
    if (typeof feature !== "string" && feature.expand)
      checkExpand(feature.expand, f, c.type, i, at, problems);
  });

  spec.slices.forEach((s, i) => {
    const col = typeof s === "string" ? s : s.column;
    needColumn(col, typeof s === "string" ? ["slices", i] : ["slices", i, "column"], "slice column");
  });
  spec.sensitive.forEach((s, i) => {
    const col = typeof s === "string" ? s : s.column;
    needColumn(
      col,
      typeof s === "string" ? ["sensitive", i] : ["sensitive", i, "column"],
      "sensitive column",
    );
  });

  const allowed: readonly MetricName[] =
    spec.task === "regression" ? REGRESSION_METRICS : CLASSIFICATION_METRICS;
  const checkMetric = (m: string, p: readonly PropertyKey[], which?: "key" | "value") => {
    const fairness = ["parity_difference", "equal_opportunity_difference"];
    if (
      (allowed as readonly string[]).includes(m) ||
      (spec.task === "classification" && fairness.includes(m))
    )
      return;
    problems.push({
      ...at(p, which),
      message: `"${m}" is not a ${spec.task} metric`,
      hint: suggest(m, spec.task === "classification" ? [...allowed, ...fairness] : allowed, "metrics"),
    });
  };
  if (spec.metrics.primary) checkMetric(spec.metrics.primary, ["metrics", "primary"]);
  (spec.metrics.report ?? []).forEach((m, i) => checkMetric(m, ["metrics", "report", i]));
  for (const m of Object.keys(spec.gate)) checkMetric(m, ["gate", m], "key");

  const algo = spec.algorithm.type;
  if (algo === "onnx" && spec.search !== undefined)
    problems.push({
      ...at(["search"], "key"),
      message: "search tunes the algorithms modelgate fits; an onnx model is fitted already",
      hint: "remove `search`, or tune the model where it is trained",
    });
  if (spec.task === "classification" && algo !== "logistic" && !isOnnxAlgorithm(spec.algorithm))
    problems.push({
      ...at(["algorithm", "type"]),
      message: `classification needs \`type: logistic\`, not ${algo}`,
    });
  if (spec.task === "regression" && algo === "logistic")
    problems.push({
      ...at(["algorithm", "type"]),
      message: "logistic regression is for `task: classification`",
    });

  const space = spec.search?.space;
  checkSearchSpace(spec, at, problems);
  space?.features?.forEach((subset, i) =>
    subset.forEach((f, j) => {
      if (!features.includes(f))
        problems.push({
          ...at(["search", "space", "features", i, j]),
          message: `"${f}" in a feature subset is not one of the model's features`,
          hint: suggest(f, features, "features"),
        });
    }),
  );
  for (const f of Object.keys(space?.degree ?? {}))
    if (!features.includes(f))
      problems.push({
        ...at(["search", "space", "degree", f], "key"),
        message: `"${f}" is not one of the model's features`,
        hint: suggest(f, features, "features"),
      });
  if (space?.alpha && algo === "linear")
    problems.push({
      ...at(["search", "space", "alpha"]),
      message: "searching over alpha needs `algorithm.type: ridge` (or logistic)",
      hint: "set algorithm.type to ridge",
    });
  return features;
}

const BUILTIN_SPACE_KEYS = ["alpha", "degree", "features"];

/**
 * A command's search space takes any parameter names (they reach it in MODELGATE_PARAMS); the
 * built-in algorithms know alpha, degree and features only, and only a command runs in parallel.
 */
function checkSearchSpace(spec: ModelSpec, at: At, problems: Problem[]): void {
  const search = spec.search;
  if (search === undefined) return;
  if (spec.algorithm.type === "command") {
    for (const key of ["degree", "features"])
      if (search.space[key] !== undefined)
        problems.push({
          ...at(["search", "space", key], "key"),
          message: `a training command does its own preprocessing; \`${key}\` is not searched for it`,
          hint: `rename the parameter (e.g. ${key}s_to_try) if your command takes one by this name`,
        });
    return;
  }
  for (const key of Object.keys(search.space))
    if (!BUILTIN_SPACE_KEYS.includes(key))
      problems.push({
        ...at(["search", "space", key], "key"),
        message: `"${key}" is not a search parameter of the ${spec.algorithm.type} algorithm`,
        hint: suggest(key, BUILTIN_SPACE_KEYS, "search parameters"),
      });
  if (search.parallel !== undefined)
    problems.push({
      ...at(["search", "parallel"], "key"),
      message: "`parallel` sets how many training command runs go at once; built-in fits need none",
      hint: "remove it",
    });
}

/** `features[].expand`: a date's parts, each once. */
function checkExpand(
  expand: readonly string[],
  feature: string,
  type: string,
  i: number,
  at: At,
  problems: Problem[],
): void {
  if (type !== "date") {
    problems.push({
      ...at(["features", i, "expand"]),
      message: `only a date feature expands to its parts; "${feature}" is ${type}`,
      hint: "remove `expand`, or declare the column `type: date` in the data spec",
    });
    return;
  }
  expand.forEach((part, k) => {
    if (expand.indexOf(part) !== k)
      problems.push({
        ...at(["features", i, "expand", k]),
        message: `the part "${part}" of "${feature}" is listed twice`,
        hint: "remove one",
      });
  });
}
