/** `modelgate predict`: score rows of a data file with a saved model; CSV or JSON Lines out. */
import { createWriteStream, readFileSync } from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { readRows } from "../../src/data/scan-dataset.js";
import { MissingFeaturesError } from "../../src/model/pipeline.js";
import { loadModelFile } from "../../src/model/load-model.js";
import type { BatchScorer, FittedModel, ModelTask } from "../../src/model/fitted-model.js";
import { bareOnnxModel } from "../../src/model/onnx/onnx-model-file.js";
import { dataSpecForModel } from "../../src/model/model-data-spec.js";
import { readFileColumns } from "../../src/data/file-columns.js";
import { loadDataSpec } from "../../src/project/load-project.js";
import { displayPath } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";

const definition = {
  name: "predict",
  summary: "score the rows of a data file with a model file; write CSV or JSON Lines",
  usage:
    "modelgate predict --model FILE --data FILE [--spec DATASPEC] [--out FILE] [--format csv|jsonl] [--features A,B,...]",
  details: [
    "      --model FILE    a model file written by modelgate train or run, or an ONNX model (.onnx)",
    "      --data FILE     the rows to score (CSV, JSON, JSON Lines or Parquet)",
    "      --spec FILE     a data spec that describes them; without it the model file's features",
    "                      and types are used (a CSV file then needs a header row; a Parquet",
    "                      file's other columns are read as their types say)",
    "  -o, --out FILE      where to write (default: standard output)",
    "      --format F      csv (default) or jsonl: row number and prediction per row",
    "      --features LIST an ONNX model with one 2-D input: the columns it takes, in order",
    "      --task T        an ONNX model: regression or classification (default: classification",
    "                      when it has an output named like probabilities)",
    "      --output NAME   an ONNX model: the output that is the prediction",
  ],
  options: {
    model: { type: "string" },
    data: { type: "string" },
    spec: { type: "string" },
    out: { type: "string", short: "o" },
    format: { type: "string", default: "csv" },
    features: { type: "string" },
    task: { type: "string" },
    output: { type: "string" },
  },
} satisfies CommandDefinition;

export const predictCommand = defineCommand(definition, async ({ values }, io) => {
  for (const flag of ["model", "data"] as const)
    if (!values[flag]) throw new UsageError(`predict: --${flag} is required`, `usage: ${definition.usage}`);
  if (values.format !== "csv" && values.format !== "jsonl")
    throw new UsageError(`predict: --format is "${values.format}"; expected csv or jsonl`);
  if (values.task !== undefined && values.task !== "regression" && values.task !== "classification")
    throw new UsageError(`predict: --task is "${values.task}"; expected regression or classification`);
  const modelFile = path.resolve(io.cwd, values.model!);
  const model = await loadModel(modelFile, displayPath(io.cwd, modelFile), values);
  const dataPath = path.resolve(io.cwd, values.data!);
  const dataFile = displayPath(io.cwd, dataPath);
  const specPath = values.spec ? path.resolve(io.cwd, values.spec) : null;
  const dataSpec = specPath
    ? loadDataSpec(specPath, displayPath(io.cwd, specPath))
    : dataSpecForModel(model, { file: dataFile, ...(await readFileColumns(dataPath, { file: dataFile })) });
  const columns = dataSpec.columns.map((c) => c.name);
  let scorer: BatchScorer;
  try {
    scorer = await model.bind(columns);
  } catch (e) {
    if (e instanceof MissingFeaturesError)
      throw new InputError({
        file: specPath ? displayPath(io.cwd, specPath) : dataFile,
        message: `the model needs ${e.message.replace(/^the data has no /, "")}`,
        hint: `the model ${model.metadata.model} was trained on ${model.inputs.map((f) => f.name).join(", ")}`,
      });
    throw e;
  }
  const sink = values.out ? createWriteStream(path.resolve(io.cwd, values.out)) : null;
  const write = async (chunk: string) => {
    if (!sink) return io.out(chunk);
    if (!sink.write(chunk)) await once(sink, "drain");
  };
  const label = model.output === "positive-probability" ? "probability" : "prediction";
  if (values.format === "csv") await write(`row,${label}\n`);
  let rows = 0;
  let all = new Int32Array(0);
  let predictions = new Float64Array(0);
  for await (const batch of readRows(
    { ...dataSpec, split: { test: 0, salt: dataSpec.split.salt } },
    dataPath,
    { file: dataFile },
  )) {
    if (all.length < batch.length) {
      all = Int32Array.from({ length: batch.length }, (_, i) => i);
      predictions = new Float64Array(batch.length);
    }
    await scorer.scoreBatch(batch, all, batch.length, predictions);
    let out = "";
    for (let i = 0; i < batch.length; i++) {
      const p = predictions[i]!;
      const v = Number.isNaN(p) ? "" : String(p);
      out +=
        values.format === "csv"
          ? `${batch.row[i]},${v}\n`
          : `{"row":${batch.row[i]},"${label}":${v || "null"}}\n`;
      rows++;
    }
    await write(out);
  }
  await scorer.close?.();
  if (sink) {
    sink.end();
    await once(sink, "finish");
    io.err(`scored ${rows} rows into ${values.out}\n`);
  }
  if (scorer.unseen > 0)
    io.err(
      `warning: ${scorer.unseen} category values were unseen in training; scored as missing (imputed)\n`,
    );
  return ExitCode.ok;
});

/**
 * The model to score with: a model file (JSON; an ONNX one loads the .onnx beside it), or an
 * ONNX file itself, told apart by their bytes, not by their names.
 */
async function loadModel(
  file: string,
  shown: string,
  values: { features?: string; task?: string; output?: string },
): Promise<FittedModel> {
  let head: Buffer;
  try {
    head = readFileSync(file);
  } catch {
    return loadModelFile(file, shown); // says what is wrong with the path
  }
  if (/^\s*[{[]/.test(head.subarray(0, 64).toString("latin1")) && !/\.onnx$/i.test(file))
    return loadModelFile(file, shown);
  return bareOnnxModel(head, {
    file: shown,
    ...(values.features === undefined
      ? {}
      : {
          features: values.features
            .split(",")
            .map((f) => f.trim())
            .filter((f) => f !== ""),
        }),
    ...(values.task === undefined ? {} : { task: values.task as ModelTask }),
    ...(values.output === undefined ? {} : { output: values.output }),
  });
}
