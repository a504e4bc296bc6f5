/**
 * What fits a model, as the `algorithm:` section of a model spec: the built-in algorithms
 * (linear, ridge, logistic), a prebuilt ONNX file, or the team's own training command.
 */
import { z } from "zod";

/** A path relative to the file that names it, inside the repository (checked when loaded). */
export const relativePath = z
  .string()
  .min(1)
  .describe("A path relative to the file that names it, inside the repository.");

const DURATION = /^(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?$/;
const DURATION_HINT = 'write a duration like "30m", "90s", "2h" or "1h30m", or a number of seconds';

/** `"30m"`, `"90s"`, `"2h"`, `"1h30m"` or a number of seconds, at most a week: seconds. */
const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const seconds = typeof v === "number" ? v : DURATION.test(v) && v !== "" ? parseDuration(v) : NaN;
  if (!(seconds > 0 && seconds <= 7 * 24 * 3600)) {
    ctx.addIssue({ code: "custom", message: `${DURATION_HINT}, more than 0 and at most a week` });
    return z.NEVER;
  }
  return seconds;
});

/** Seconds in a duration written like `1h30m`, `90s` or `2.5m` (checked by the schema). */
export function parseDuration(text: string): number {
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)([hms])/g))
    seconds += Number(value) * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
  return seconds;
}

/** How an ONNX model's rows become positives and how many threads score them (onnx and command). */
const onnxScoring = {
  threshold: z
    .number()
    .gt(0)
    .lt(1)
    .default(0.5)
    .describe("classification: probability at or above which a row is positive."),
  threads: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe("Threads ONNX Runtime may use while scoring. Default 1."),
};

export const algorithmSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("linear"),
    intercept: z.boolean().default(true),
  }),
  z.strictObject({
    type: z.literal("ridge"),
    intercept: z.boolean().default(true),
    alpha: z.number().min(0).default(1).describe("L2 penalty on the standardised coefficients."),
  }),
  z.strictObject({
    type: z.literal("logistic"),
    intercept: z.boolean().default(true),
    alpha: z
      .number()
      .min(0)
      .optional()
      .describe(
        "L2 penalty: minimises the deviance plus alpha times the sum of squared coefficients (the intercept is not penalised). Default 1, scikit-learn's C = 1 (C = 1/alpha). 0 for none: separable classes are then refused.",
      ),
    classWeight: z.union([z.literal("balanced"), z.record(z.string(), z.number().positive())]).optional(),
    threshold: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.5)
      .describe("Probability at or above which a row is positive."),
    maxIterations: z.number().int().min(1).max(1000).default(100),
  }),
  z
    .strictObject({
      type: z.literal("onnx"),
      file: relativePath.describe("The .onnx file, relative to this model spec, inside the repository."),
      output: z
        .string()
        .min(1)
        .optional()
        .describe(
          "The output that is the prediction. Default: regression the first float output; classification an output named like `probabilities`.",
        ),
      outputColumn: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe(
          "The column of that output to read. Default: 0 for regression, the last (the positive class) for classification.",
        ),
      ...onnxScoring,
    })
    .describe(
      "A model fitted elsewhere and exported as ONNX (skl2onnx, torch.onnx.export, tf2onnx, onnxmltools). Its inputs are fed with `features`: one 2-D input in feature order, or one input per feature named like the column.",
    ),
  z
    .strictObject({
      type: z.literal("command"),
      run: z
        .string()
        .min(1)
        .max(4000)
        .describe(
          "The training command, run by the shell in the model spec's folder once per fit. It reads the rows at $MODELGATE_TRAIN and writes an ONNX model to $MODELGATE_OUTPUT (see the README's training command protocol).",
        ),
      timeout: duration
        .default(1800)
        .describe(
          'Longest one run may take before it is killed with its children: "30m", "90s", "2h" or seconds. Default 30m.',
        ),
      output: z
        .string()
        .min(1)
        .optional()
        .describe("The output of the written model that is the prediction (as for `type: onnx`)."),
      outputColumn: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("The column of that output to read (as for `type: onnx`)."),
      ...onnxScoring,
    })
    .describe(
      "Your own training code: a command that reads the fit's training rows and writes an ONNX model. modelgate keeps the split, the search, the cross-validation and the comparison.",
    ),
]);

export type AlgorithmSpec = z.output<typeof algorithmSchema>;
/** The algorithms modelgate fits itself. */
export type BuiltinAlgorithmSpec = Exclude<AlgorithmSpec, { type: "onnx" | "command" }>;
/** A model fitted elsewhere, read from an ONNX file. */
export type OnnxAlgorithmSpec = Extract<AlgorithmSpec, { type: "onnx" }>;
/** A model fitted by the user's own training command, which writes ONNX. */
export type CommandAlgorithmSpec = Extract<AlgorithmSpec, { type: "command" }>;

/** The algorithm of a spec that modelgate trains; an `onnx` or `command` spec never reaches its fits. */
export function builtinAlgorithm(spec: { algorithm: AlgorithmSpec }): BuiltinAlgorithmSpec {
  if (spec.algorithm.type === "onnx") throw new Error("an onnx model is read from its file, not trained");
  if (spec.algorithm.type === "command") throw new Error("a command model is fitted by its command");
  return spec.algorithm;
}

/** Whether a spec's model is scored through ONNX (a prebuilt file or a training command's output). */
export function isOnnxAlgorithm(
  algorithm: AlgorithmSpec,
): algorithm is OnnxAlgorithmSpec | CommandAlgorithmSpec {
  return algorithm.type === "onnx" || algorithm.type === "command";
}
