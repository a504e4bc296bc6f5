/**
 * A built-in model (linear, ridge or logistic, with its feature pipeline) as an ONNX graph that
 * computes what the engine's scorer computes, step by step in float64:
 *
 * - one input per feature column, named like the column, shape [N, 1]: numbers (integers,
 *   booleans as 0/1, dates as milliseconds since 1970-01-01 UTC) as double, NaN for missing;
 *   categories as string, "" for missing;
 * - a date is divided into years since 1970, or an expanded date's part (year, month, weekday,
 *   hour, UTC) is computed from it (datePartGraph); a missing number takes the feature's fill value
 *   (IsNaN + Where), and stays NaN (so the prediction is NaN) with `impute: none`;
 * - polynomial terms x, x·x, x·x·x … multiplied in the engine's order;
 * - a category is mapped to its level's code (ai.onnx.ml LabelEncoder), a missing or unseen
 *   value to the fill level's code, and compared with the code of each term's level (one-hot);
 *   with `impute: none` a missing value makes the prediction NaN, an unseen one counts as the
 *   reference level, as in the engine;
 * - the terms side by side times the coefficients (which are in the terms' own units: the
 *   scaling used in fitting is folded into them, as in the engine), plus the intercept;
 * - classification: the logistic function 1 / (1 + exp(-sum)), the positive class's probability, and
 *   a label, 1 when the probability is at least the model's threshold.
 */
import { MS_PER_YEAR, type CategoryFeature, type DatePart, type NumericFeature } from "../pipeline.js";
import type { ModelFile } from "../model-file.js";
import type { OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from "./onnx-message.js";

/** The ai.onnx operator set the graph is written for (ONNX 1.12 and later read it). */
export const ONNX_OPSET = 17;
/** The ai.onnx.ml operator set (LabelEncoder 2), imported only when a category feature needs it. */
export const ONNX_ML_OPSET = 2;
/** The threshold of the label output when the model names none (the engine's default). */
export const DEFAULT_LABEL_THRESHOLD = 0.5;

const BATCH = "N";
const MISSING_TEXT = "";
/** The code of a missing category value with `impute: none` (levels have codes 0, 1, …). */
const MISSING_CODE = -2;
/** The code that matches no term (the reference level, or a fill outside the levels). */
const NO_TERM = -1;

/** The graph, and which operator sets it needs. */
export interface LinearGraph {
  graph: OnnxGraph;
  /** Whether an ai.onnx.ml operator is used. */
  usesMl: boolean;
}

/** Hands out value and node names that are unique in the graph, readable where possible. */
class Names {
  private readonly used = new Set<string>();
  private nodes = 0;

  constructor(reserved: Iterable<string>) {
    for (const r of reserved) this.used.add(r);
  }

  value(wanted: string): string {
    let name = wanted;
    for (let k = 2; this.used.has(name); k++) name = `${wanted}_${k}`;
    this.used.add(name);
    return name;
  }

  node(op: string): string {
    return `${op}_${this.nodes++}`;
  }
}

/** The ONNX graph of `model` (see the module's comment for what it computes). */
export function linearModelGraph(model: ModelFile): LinearGraph {
  const features = model.pipeline.features;
  // One input per column: an expanded date's parts (one step each) all read the date.
  const inputNames = [...new Set(features.map((f) => f.name))];
  const names = new Names(inputNames);
  const classification = model.task === "classification";
  const outputs: OnnxValueInfo[] = classification
    ? [
        {
          name: names.value("probability"),
          type: "double",
          shape: [BATCH, 1],
          doc: `probability that ${model.target} is ${model.positiveClass ?? "the positive class"}`,
        },
        {
          name: names.value("label"),
          type: "int64",
          shape: [BATCH, 1],
          doc: `1 when the probability is at least ${model.algorithm.threshold ?? DEFAULT_LABEL_THRESHOLD}, else 0`,
        },
      ]
    : [
        {
          name: names.value("prediction"),
          type: "double",
          shape: [BATCH, 1],
          doc: `predicted ${model.target}`,
        },
      ];

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const constant = (
    wanted: string,
    type: OnnxTensor["type"],
    dims: number[],
    values: OnnxTensor["values"],
  ) => {
    const name = names.value(wanted);
    initializers.push({ name, type, dims, values });
    return name;
  };
  const op = (
    opType: string,
    inputs: string[],
    output: string,
    extra: Pick<OnnxNode, "domain" | "attributes"> = {},
  ): string => {
    const out = names.value(output);
    nodes.push({ name: names.node(opType), op: opType, inputs, outputs: [out], ...extra });
    return out;
  };

  // Each feature's terms ([N, k] blocks, in term order) and NaN flags of unimputed missing values.
  const blocks: string[] = [];
  const coefficients: number[] = [];
  const missingFlags: string[] = [];
  let usesMl = false;
  for (const f of features) {
    if (f.kind === "numeric") blocks.push(...numericTerms(f, op, constant));
    else {
      usesMl = true;
      const { terms, missing } = categoryTerms(f, op, constant);
      if (terms) blocks.push(terms);
      if (missing) missingFlags.push(missing);
    }
    for (const t of f.terms) coefficients.push(model.coefficients[t] ?? 0);
  }

  const intercept = constant("intercept", "double", [1], [model.intercept ?? 0]);
  let linear: string;
  if (coefficients.length === 0) {
    // No terms (e.g. a single category with one level): the intercept for every row.
    const shape = op("Shape", [inputNames[0]!], "batch_shape");
    const zeros = op("ConstantOfShape", [shape], "zeros", {
      attributes: [
        { name: "value", kind: "tensor", value: { name: "zero", type: "double", dims: [1], values: [0] } },
      ],
    });
    linear = op("Add", [zeros, intercept], "linear");
  } else {
    const design =
      blocks.length === 1 ? blocks[0]! : op("Concat", blocks, "design", { attributes: [int("axis", 1)] });
    const weights = constant("coefficients", "double", [coefficients.length, 1], coefficients);
    linear = op("Add", [op("MatMul", [design, weights], "weighted_sum"), intercept], "linear");
  }
  if (missingFlags.length > 0) {
    const nan = constant("nan", "double", [], [NaN]);
    const zero = constant("zero", "double", [], [0]);
    for (const flag of missingFlags)
      linear = op("Add", [linear, op("Where", [flag, nan, zero], "missing_penalty")], "linear");
  }

  if (classification) {
    // 1 / (1 + exp(-z)) written out as the engine computes it: ONNX Runtime's Sigmoid kernel
    // approximates in the tails (4e-7 relative at z = -22, 0 instead of 8e-34 at z = -76).
    const one = constant("one", "double", [], [1]);
    const expNeg = op("Exp", [op("Neg", [linear], "minus_linear")], "exp_minus_linear");
    const probability = op("Div", [one, op("Add", [one, expNeg], "one_plus_exp")], "sigmoid");
    nodes.push({
      name: names.node("Identity"),
      op: "Identity",
      inputs: [probability],
      outputs: [outputs[0]!.name],
    });
    const threshold = constant(
      "threshold",
      "double",
      [],
      [model.algorithm.threshold ?? DEFAULT_LABEL_THRESHOLD],
    );
    const positive = op("GreaterOrEqual", [probability, threshold], "positive");
    nodes.push({
      name: names.node("Cast"),
      op: "Cast",
      inputs: [positive],
      outputs: [outputs[1]!.name],
      attributes: [int("to", 7)],
    });
  } else {
    nodes.push({
      name: names.node("Identity"),
      op: "Identity",
      inputs: [linear],
      outputs: [outputs[0]!.name],
    });
  }

  const inputs: OnnxValueInfo[] = features
    .filter((f, k) => features.findIndex((g) => g.name === f.name) === k)
    .map((f) => ({
      name: f.name,
      type: f.kind === "category" ? "string" : "double",
      shape: [BATCH, 1],
      doc: inputDoc(f),
    }));
  return {
    graph: {
      name: model.model,
      doc: `modelgate ${model.algorithm.type} model ${model.model}: ${model.task} of ${model.target}`,
      nodes,
      initializers,
      inputs,
      outputs,
    },
    usesMl,
  };
}

type Op = (
  opType: string,
  inputs: string[],
  output: string,
  extra?: Pick<OnnxNode, "domain" | "attributes">,
) => string;
type Constant = (
  wanted: string,
  type: OnnxTensor["type"],
  dims: number[],
  values: OnnxTensor["values"],
) => string;

function int(name: string, value: number) {
  return { name, kind: "int", value } as const;
}

/** x, x², … of a numeric feature, each [N, 1], after the date conversion and imputation. */
function numericTerms(f: NumericFeature, op: Op, constant: Constant): string[] {
  let x = f.name;
  if (f.type === "date" && f.part !== undefined) x = datePartGraph(f.name, f.part, op, constant);
  else if (f.type === "date")
    x = op("Div", [x, constant(`${f.name}:ms_per_year`, "double", [], [MS_PER_YEAR])], `${f.name}:years`);
  if (f.fill !== null) {
    const isMissing = op("IsNaN", [x], `${f.name}:is_missing`);
    x = op("Where", [isMissing, constant(`${f.name}:fill`, "double", [], [f.fill]), x], `${f.name}:imputed`);
  }
  const terms = [x];
  for (let k = 1; k < f.degree; k++) terms.push(op("Mul", [terms[k - 1]!, x], f.terms[k]!));
  return terms;
}

/**
 * One part of a date input (milliseconds since 1970, UTC) in double arithmetic, as
 * `datePart` computes it: the day number, the hour within the day, the ISO weekday (1970-01-01
 * was a Thursday), and year and month by the days-to-civil-date algorithm of H. Hinnant
 * (chrono-Compatible Low-Level Date Algorithms): eras of 400 years, years starting in March.
 * A missing date stays NaN through every step, so the part is then imputed as any number.
 */
function datePartGraph(input: string, part: DatePart, op: Op, constant: Constant): string {
  const name = `${input}.${part}`;
  let k = 0;
  const c = (value: number) => constant(`${name}:c${k++}`, "double", [], [value]);
  const floorDiv = (a: string, b: number, what: string) =>
    op("Floor", [op("Div", [a, c(b)], `${name}:${what}_ratio`)], `${name}:${what}`);
  const minus = (a: string, b: string, what: string) => op("Sub", [a, b], `${name}:${what}`);
  const times = (a: string, b: number, what: string) => op("Mul", [a, c(b)], `${name}:${what}`);
  const plus = (a: string, b: number, what: string) => op("Add", [a, c(b)], `${name}:${what}`);
  const days = floorDiv(input, 86400000, "days");
  if (part === "hour") {
    const ms = minus(input, times(days, 86400000, "day_start"), "ms_of_day");
    return floorDiv(ms, 3600000, "hour");
  }
  if (part === "dayOfWeek") {
    const w = plus(days, 3, "from_monday");
    return plus(minus(w, times(floorDiv(w, 7, "weeks"), 7, "week_start"), "weekday0"), 1, "weekday");
  }
  const z = plus(days, 719468, "from_era0");
  const era = floorDiv(z, 146097, "era");
  const doe = minus(z, times(era, 146097, "era_start"), "day_of_era");
  const yoeNumerator = op(
    "Add",
    [
      minus(doe, floorDiv(doe, 1460, "leap4"), "less_leap4"),
      minus(floorDiv(doe, 36524, "century"), floorDiv(doe, 146096, "era_end"), "centuries"),
    ],
    `${name}:yoe_days`,
  );
  const yoe = floorDiv(yoeNumerator, 365, "year_of_era");
  const yearStart = op(
    "Add",
    [
      times(yoe, 365, "yoe_days365"),
      minus(floorDiv(yoe, 4, "yoe4"), floorDiv(yoe, 100, "yoe100"), "yoe_leaps"),
    ],
    `${name}:year_start`,
  );
  const doy = minus(doe, yearStart, "day_of_year");
  const mp = floorDiv(plus(times(doy, 5, "doy5"), 2, "doy5_2"), 153, "month_from_march");
  const month = minus(plus(mp, 3, "mp3"), times(floorDiv(mp, 10, "past_december"), 12, "wrap"), "month");
  if (part === "month") return month;
  const y = op("Add", [yoe, times(era, 400, "era_years")], `${name}:march_year`);
  const early = floorDiv(op("Sub", [c(14), month], `${name}:14_minus_month`), 12, "jan_feb");
  return op("Add", [y, early], `${name}:year`);
}

/**
 * The one-hot terms of a category feature, [N, terms] (null without terms), and with
 * `impute: none` a flag [N, 1] of rows where it is missing.
 */
function categoryTerms(
  f: CategoryFeature,
  op: Op,
  constant: Constant,
): { terms: string | null; missing: string | null } {
  const keys = [...f.levels];
  const codes = f.levels.map((_, i) => i);
  const fillCode = f.fill === null ? NO_TERM : f.levels.indexOf(f.fill);
  const flagMissing = f.impute === "none" && !f.levels.includes(MISSING_TEXT);
  if (flagMissing) {
    keys.push(MISSING_TEXT);
    codes.push(MISSING_CODE);
  }
  const code = op("LabelEncoder", [f.name], `${f.name}:code`, {
    domain: "ai.onnx.ml",
    attributes: [
      { name: "keys_strings", kind: "strings", value: keys },
      { name: "values_int64s", kind: "ints", value: codes },
      int("default_int64", fillCode),
    ],
  });
  const missing = flagMissing
    ? op(
        "Equal",
        [code, constant(`${f.name}:missing_code`, "int64", [], [MISSING_CODE])],
        `${f.name}:is_missing`,
      )
    : null;
  if (f.terms.length === 0) return { terms: null, missing };
  const termCodes = f.terms.map((t) => f.levels.indexOf(t.slice(f.name.length + 1)));
  const matches = op(
    "Equal",
    [code, constant(`${f.name}:term_codes`, "int64", [1, termCodes.length], termCodes)],
    `${f.name}:matches`,
  );
  return { terms: op("Cast", [matches], `${f.name}:one_hot`, { attributes: [int("to", 11)] }), missing };
}

function inputDoc(f: NumericFeature | CategoryFeature): string {
  if (f.kind === "category") return `category; "" when missing`;
  const units =
    f.type === "date"
      ? "milliseconds since 1970-01-01 UTC"
      : f.type === "boolean"
        ? "1 for true, 0 for false"
        : f.type;
  return `${units}; NaN when missing`;
}
