/**
 * The data spec of rows to score, drawn from the model file instead of written by hand: a model
 * file carries its features, their types and categories, so `predict` needs no `--spec`.
 */
import { InputError } from "../errors.js";
import type { DataFormat } from "../data/read-dataset.js";
import { MAX_DATA_COLUMNS, type ColumnType, type DataSpec } from "../project/schemas.js";
import type { FittedModel } from "./fitted-model.js";

/** Where the columns came from, for the error about missing ones. */
export interface ColumnSource {
  /** The data file as errors name it. */
  file: string;
  format: DataFormat;
  delimiter: string;
  /** The file's column names (CSV header, the keys of the records, a Parquet file's columns). */
  names: readonly string[];
  /** Parquet: the spec type each column's file type reads as. */
  types?: readonly (ColumnType | undefined)[];
}

/**
 * A data spec for scoring `source` with `model`: each feature the model uses is typed as it was
 * in training (numbers, integers, booleans, dates; a category takes any value, an unseen one is
 * scored as missing) and may be missing (the model imputes it); every other column is read as
 * text and ignored.
 *
 * @throws InputError naming the features the file lacks (and the file's own columns), or when the
 *   file has more columns than a data spec may describe.
 */
export function dataSpecForModel(model: FittedModel, source: ColumnSource): DataSpec {
  if (source.names.length > MAX_DATA_COLUMNS)
    throw new InputError({
      file: source.file,
      ...(source.format === "csv" ? { line: 1 } : {}),
      message: `the file has ${source.names.length} columns; at most ${MAX_DATA_COLUMNS} can be read`,
      hint: "keep the columns the model needs (and an id), or pass --spec",
    });
  const present = new Set(source.names);
  const missing = model.inputs.filter((f) => !present.has(f.name)).map((f) => f.name);
  if (missing.length > 0) {
    const quoted = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");
    const extra = source.names.filter((n) => !model.inputs.some((f) => f.name === n));
    throw new InputError({
      file: source.file,
      ...(source.format === "csv" ? { line: 1 } : {}),
      message: `the file has no column${missing.length === 1 ? "" : "s"} ${quoted(missing)}, which the model ${model.metadata.model} needs`,
      hint:
        `the model was trained on ${quoted(model.inputs.map((f) => f.name))}` +
        (extra.length > 0
          ? `; the file has ${quoted(extra.slice(0, 20))}${extra.length > 20 ? ", …" : ""}`
          : "") +
        "; rename the columns, or pass --spec with a data spec of the file",
    });
  }
  const step = new Map(model.inputs.map((f) => [f.name, f] as const));
  return {
    file: source.file,
    format: source.format,
    header: true,
    delimiter: source.delimiter,
    columns: source.names.map((name, i) => {
      const f = step.get(name);
      // Another column is read as its file type reads (a Parquet file's), else as text.
      if (f === undefined) return { name, type: source.types?.[i] ?? "string", nullable: true };
      return { name, type: f.type, nullable: true };
    }),
    checks: {},
    split: { test: 0, salt: "modelgate" },
  };
}
