/**
 * Monitoring live traffic: the server's prediction log (one JSON line per scored row: request
 * id, row, model, version, inputs, prediction; rotated `file` -> `file.1` -> `file.2` ...) turned
 * into the rows batch monitoring reads, with the true outcomes that arrived later (a JSON Lines
 * or JSON file of `{ "requestId", "row", <target>: value }`) joined by request id and row. The
 * rows then go through the same drift and performance code as `modelgate monitor --data`.
 */
import { existsSync } from "node:fs";
import { InputError, type Problem } from "../errors.js";

/** Rotated files read at most (the server keeps 5). */
const MAX_ROTATIONS = 100;

/** The log's files, oldest first: `file.N` ... `file.1`, then `file` (those that exist). */
export function predictionLogFiles(file: string): string[] {
  const rotated: string[] = [];
  for (let k = 1; k <= MAX_ROTATIONS && existsSync(`${file}.${k}`); k++) rotated.unshift(`${file}.${k}`);
  return existsSync(file) ? [...rotated, file] : rotated;
}

/** One line of the log, as the server writes it. */
export interface LoggedPrediction {
  requestId: string;
  row: number;
  model: string;
  version: number;
  inputs: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** JSON values of a JSON Lines file (or a JSON array), each with its 1-based line. */
function jsonLines(text: string, file: string, what: string): { value: unknown; line: number }[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InputError({
        file,
        message: `is not valid JSON: ${(e as Error).message}`,
        hint: `write ${what} as a JSON array of objects, or one JSON object per line`,
      });
    }
    return (parsed as unknown[]).map((value) => ({ value, line: 1 }));
  }
  const out: { value: unknown; line: number }[] = [];
  const problems: Problem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    try {
      out.push({ value: JSON.parse(line), line: i + 1 });
    } catch {
      // A line cut short by a crash mid-write is the last one; anything else is not our log.
      if (i >= lines.length - 2 && !text.endsWith("\n")) continue;
      problems.push({
        file,
        line: i + 1,
        message: "is not a JSON object",
        hint: `each line of ${what} is one JSON object`,
      });
      if (problems.length >= 20) break;
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** The log entries of `text` (one file of the log). */
export function parsePredictionLog(text: string, file: string): LoggedPrediction[] {
  const out: LoggedPrediction[] = [];
  const problems: Problem[] = [];
  for (const { value, line } of jsonLines(text, file, "a prediction log")) {
    if (
      !isRecord(value) ||
      typeof value.requestId !== "string" ||
      typeof value.model !== "string" ||
      typeof value.version !== "number" ||
      typeof value.row !== "number" ||
      !isRecord(value.inputs)
    ) {
      problems.push({
        file,
        line,
        message: "is not a prediction log entry (requestId, row, model, version, inputs)",
        hint: "pass the file `modelgate serve --prediction-log` writes",
      });
      if (problems.length >= 20) break;
      continue;
    }
    out.push({
      requestId: value.requestId,
      row: value.row,
      model: value.model,
      version: value.version,
      inputs: value.inputs,
    });
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** True outcomes by `requestId` and row: `requestId#row` -> the target's value. */
export function parseOutcomes(text: string, file: string, target: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const problems: Problem[] = [];
  for (const { value, line } of jsonLines(text, file, "an outcomes file")) {
    const row = isRecord(value) ? (value.row ?? 0) : undefined;
    if (
      !isRecord(value) ||
      typeof value.requestId !== "string" ||
      typeof row !== "number" ||
      !Number.isInteger(row) ||
      !(target in value)
    ) {
      problems.push({
        file,
        line,
        message: `is not an outcome: expected {"requestId": "...", "row": 0, "${target}": value}`,
        hint: `"row" is the row's index in its request (0 for one-row requests, the default); "${target}" is the model's target`,
      });
      if (problems.length >= 20) break;
      continue;
    }
    out.set(`${value.requestId}#${row}`, value[target]);
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** The rows of one model version's traffic, ready for monitoring. */
export interface LoggedRows {
  /** One record per logged row: its inputs, and the target where an outcome arrived. */
  records: Record<string, unknown>[];
  /** Rows of the model logged by other versions (not monitored against this one). */
  otherVersions: number;
  /** Rows that got an outcome. */
  withOutcome: number;
  /** Outcomes whose request id and row match no logged row of this version. */
  unmatchedOutcomes: number;
}

/**
 * The rows `model` at `version` scored, oldest first, each joined with its outcome. A request id
 * logged twice (a client retrying) keeps its last scoring.
 */
export function loggedRows(
  entries: readonly LoggedPrediction[],
  options: { model: string; version: number; target: string; outcomes?: Map<string, unknown> },
): LoggedRows {
  const byKey = new Map<string, Record<string, unknown>>();
  let otherVersions = 0;
  for (const e of entries) {
    if (e.model !== options.model) continue;
    if (e.version !== options.version) {
      otherVersions++;
      continue;
    }
    const key = `${e.requestId}#${e.row}`;
    byKey.delete(key);
    const record: Record<string, unknown> = { ...e.inputs };
    delete record[options.target];
    byKey.set(key, record);
  }
  let withOutcome = 0;
  let unmatchedOutcomes = 0;
  if (options.outcomes)
    for (const [key, value] of options.outcomes) {
      const record = byKey.get(key);
      if (!record) {
        unmatchedOutcomes++;
        continue;
      }
      record[options.target] = value;
      withOutcome++;
    }
  return { records: [...byKey.values()], otherVersions, withOutcome, unmatchedOutcomes };
}
