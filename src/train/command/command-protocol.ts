/**
 * The training command protocol, version 1: what a command finds in its environment, the rows
 * file it reads, and the parameters a search passes it. Pure functions; running is in
 * run-command.ts. The README's "Your own training code" section documents this contract.
 */
import { createRandom } from "../../evaluate/bootstrap.js";
import type { ColumnVector, RowBatch } from "../../data/row-batch.js";
import type { ColumnSpec, ModelSpec } from "../../project/schemas.js";
import { MAX_TRIALS } from "../search-space.js";

/** Version of the contract; a command may check `MODELGATE_PROTOCOL`. */
export const COMMAND_PROTOCOL = 1;

/** A parameter value a command receives. */
export type CommandParamValue = number | string | boolean;
/** One trial's parameters: name -> value, as `MODELGATE_PARAMS` holds them. */
export type CommandParams = Record<string, CommandParamValue>;

/** The files and facts of one run. */
export interface RunPaths {
  /** The rows file (CSV with a header). */
  train: string;
  /** Where the command writes its ONNX model. */
  output: string;
  /** The JSON Lines file it may append curve points to. */
  metrics: string;
  /** Its own folder (also the folder of output and metrics). */
  workdir: string;
}

/**
 * The positive class as the rows file writes it: the spec names a category by its label when the
 * data spec has `labels`, but the rows file holds the code written in the data file.
 */
export function positiveClassAsWritten(
  positive: NonNullable<ModelSpec["positiveClass"]>,
  target: ColumnSpec | undefined,
): string {
  const wanted = String(positive);
  if (target?.type !== "category" || target.labels === undefined) return wanted;
  if (Object.hasOwn(target.labels, wanted)) return wanted;
  const code = Object.entries(target.labels).find(([, label]) => label === wanted)?.[0];
  return code ?? wanted;
}

/** The environment of one run (added to modelgate's own); `target` is the target's column spec. */
export function commandEnvironment(
  spec: Pick<ModelSpec, "task" | "target" | "seed" | "positiveClass">,
  features: readonly string[],
  params: CommandParams,
  paths: RunPaths,
  run: { trial: number; fold: number | null },
  target?: ColumnSpec,
): Record<string, string> {
  return {
    MODELGATE_PROTOCOL: String(COMMAND_PROTOCOL),
    MODELGATE_TRAIN: paths.train,
    MODELGATE_FEATURES: JSON.stringify(features),
    MODELGATE_TARGET: spec.target,
    MODELGATE_TASK: spec.task,
    ...(spec.positiveClass === undefined
      ? {}
      : { MODELGATE_POSITIVE_CLASS: positiveClassAsWritten(spec.positiveClass, target) }),
    MODELGATE_PARAMS: JSON.stringify(params),
    MODELGATE_SEED: String(spec.seed),
    MODELGATE_OUTPUT: paths.output,
    MODELGATE_METRICS: paths.metrics,
    MODELGATE_WORKDIR: paths.workdir,
    MODELGATE_RUN: run.fold === null ? "final" : `trial ${run.trial + 1} fold ${run.fold + 1}`,
  };
}

/**
 * The parameter sets a command's search tries, in a fixed order: the grid of `search.space`
 * (every key a parameter), or a seeded draw of `search.trials` of it. Without a search, one
 * empty set. Throws a RangeError for a grid beyond MAX_TRIALS.
 */
export function commandTrials(spec: Pick<ModelSpec, "search">): CommandParams[] {
  const search = spec.search;
  if (search === undefined) return [{}];
  let grid: CommandParams[] = [{}];
  for (const [name, values] of Object.entries(search.space)) {
    if (!Array.isArray(values)) continue; // degree is a map, refused for commands by the checks
    const next: CommandParams[] = [];
    for (const params of grid)
      for (const v of values) next.push({ ...params, [name]: v as CommandParamValue });
    grid = next;
    if (search.method === "grid" && grid.length > MAX_TRIALS)
      throw new RangeError(
        `the search grid has more than ${MAX_TRIALS} combinations; use method: random with trials`,
      );
  }
  if (search.method === "grid" || grid.length <= search.trials) return grid;
  const index = grid.map((_, i) => i);
  const random = createRandom(search.seed).next;
  for (let i = 0; i < search.trials; i++) {
    const j = i + Math.floor(random() * (index.length - i));
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, search.trials)
    .sort((a, b) => a - b)
    .map((i) => grid[i]!);
}

/** The CSV header of a rows file: the features in spec order, then the target. */
export function csvHeader(columns: readonly string[]): string {
  return columns.map(csvField).join(",") + "\n";
}

/**
 * CSV lines of the rows `rows[0..count)` of a batch, for the columns at `at` (indexes into the
 * batch's columns). Values are what the model is scored with later: numbers as read, booleans
 * 1/0, dates as milliseconds since 1970-01-01 UTC, categories as written in the data file;
 * missing values are empty.
 */
export function csvRows(
  batch: RowBatch,
  at: readonly number[],
  rows: ArrayLike<number>,
  count: number,
): string {
  const cols = at.map((k) => batch.columns[k]!);
  let out = "";
  for (let t = 0; t < count; t++) {
    const i = rows[t]!;
    for (let c = 0; c < cols.length; c++) {
      if (c > 0) out += ",";
      out += cellText(cols[c]!, i);
    }
    out += "\n";
  }
  return out;
}

function cellText(col: ColumnVector, i: number): string {
  if (col.kind === "category") {
    const code = col.codes[i]!;
    return code < 0 ? "" : csvField(col.raw[code]!);
  }
  if (col.kind === "string") {
    const v = col.values[i];
    return v === null || v === undefined ? "" : csvField(v);
  }
  const v = col.values[i]!;
  return Number.isNaN(v) ? "" : String(v);
}

/** A CSV field, quoted when it holds a delimiter, a quote or a line break (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Most curve points kept per run, and most metrics per point. */
const MAX_POINTS = 1000;
const MAX_KEYS = 20;

/** One point of a logged curve: numbers by name (`step`, `loss`, ...). */
export type CurvePoint = Record<string, number>;

/**
 * The curve a command appended to MODELGATE_METRICS: one JSON object per line, numbers kept,
 * anything else (a bad line, a string) skipped and counted. At most 1000 points, 20 keys each.
 */
export function parseCurve(text: string): { points: CurvePoint[]; skipped: number } {
  const points: CurvePoint[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      skipped++;
      continue;
    }
    const point: CurvePoint = {};
    for (const [k, v] of Object.entries(value).slice(0, MAX_KEYS))
      if (typeof v === "number" && Number.isFinite(v) && k.length <= 100) point[k] = v;
    if (Object.keys(point).length === 0 || points.length >= MAX_POINTS) skipped++;
    else points.push(point);
  }
  return { points, skipped };
}
