/**
 * A built-in model (linear, ridge or logistic, with its feature pipeline) as an ONNX graph that
 * computes what the engine's scorer computes, step by step in float64:
 *
 * - one input per feature column, named like the column, shape [N, 1]: numbers (integers,
 *   booleans as 0/1, dates as milliseconds since 1970-01-01 UTC) as double, NaN for missing;
 *   categories as string, "" for missing;
 * - a date is divided into years since 1970; a missing number takes the feature's fill value
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
import { MS_PER_YEAR, type CategoryFeature, type NumericFeature } from "../pipeline.js";
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
  const inputNames = features.map((f) => f.name);
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

  const inputs: OnnxValueInfo[] = features.map((f) => ({
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
  if (f.type === "date")
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
