/**
 * Request bodies of both protocols, decoded into one shape: columns of cells, every column the
 * same number of rows. What the protocols allow is checked here (names, datatypes, shapes);
 * what the data spec allows is checked when the rows are built ({@link buildRequestBatch}).
 */
import type { ColumnSpec, DataSpec } from "../project/schemas.js";
import { RequestError, type FieldError } from "./request-error.js";
import { datatypeOf, type Datatype } from "./served-model.js";

/** A request's rows, column by column. */
export interface TabularRequest {
  rows: number;
  /** Column name -> one cell per row (JSON values as sent). */
  columns: Map<string, unknown[]>;
  /** The request id the client gave (Open Inference Protocol `id`). */
  id?: string;
}

/** Limits every request is held to. */
export interface RequestLimits {
  /** Most rows one request may carry. */
  maxRows: number;
}

const NUMERIC_DATATYPES = new Set([
  "FP16",
  "FP32",
  "FP64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
]);

/** Whether a tensor of `sent` may carry a column whose own datatype is `expected`. */
function datatypeFits(sent: string, expected: Datatype): boolean {
  if (expected === "FP64" || expected === "INT64") return NUMERIC_DATATYPES.has(sent);
  return sent === expected;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Nested tensor data flattened in row-major order, as the protocol's "tensor_data" allows. */
function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data.flat(Infinity) as unknown[]) : data;
}

/** A data spec's columns by name, made once per spec (a served version keeps its spec). */
const columnsByName = new WeakMap<DataSpec, ReadonlyMap<string, ColumnSpec>>();

function byNameOf(spec: DataSpec): ReadonlyMap<string, ColumnSpec> {
  let byName = columnsByName.get(spec);
  if (byName === undefined) {
    byName = new Map(spec.columns.map((c) => [c.name, c]));
    columnsByName.set(spec, byName);
  }
  return byName;
}

/**
 * Decodes an Open Inference Protocol inference request (`POST /v2/models/{name}/infer`): one
 * input tensor per column, shape `[rows]` or `[rows, 1]`.
 */
export function decodeInferRequest(body: unknown, spec: DataSpec, limits: RequestLimits): TabularRequest {
  if (!isObject(body) || !Array.isArray(body.inputs))
    throw new RequestError(400, {
      message: "the body is not an inference request: it needs an `inputs` array",
      hint: 'send {"inputs": [{"name": "<column>", "shape": [rows], "datatype": "FP64", "data": [...]}]}',
    });
  if (body.id !== undefined && typeof body.id !== "string")
    throw new RequestError(400, { message: "`id` must be a string" });
  const byName = byNameOf(spec);
  const errors: FieldError[] = [];
  const columns = new Map<string, unknown[]>();
  let rows: number | undefined;
  body.inputs.forEach((input: unknown, k: number) => {
    if (!isObject(input) || typeof input.name !== "string") {
      errors.push({ message: `inputs[${k}] is not a tensor with a name` });
      return;
    }
    const name = input.name;
    const column = byName.get(name);
    if (!column) {
      errors.push({
        column: name,
        message: `there is no input "${name}"`,
        hint: `inputs are the data spec's columns: ${[...byName.keys()].join(", ")}`,
      });
      return;
    }
    if (columns.has(name)) {
      errors.push({ column: name, message: `input "${name}" is given twice` });
      return;
    }
    const expected = datatypeOf(column.type);
    if (typeof input.datatype !== "string" || !datatypeFits(input.datatype, expected)) {
      errors.push({
        column: name,
        message: `datatype ${JSON.stringify(input.datatype)} does not fit a ${column.type} column`,
        hint: `send it as ${expected}`,
      });
      return;
    }
    const shape = input.shape;
    if (
      !Array.isArray(shape) ||
      shape.length === 0 ||
      shape.length > 2 ||
      !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ||
      (shape.length === 2 && shape[1] !== 1)
    ) {
      errors.push({
        column: name,
        message: `shape ${JSON.stringify(shape)} is not [rows] or [rows, 1]`,
        hint: "a tabular model takes one value per row in each input",
      });
      return;
    }
    if (!Array.isArray(input.data)) {
      errors.push({ column: name, message: "`data` is not an array" });
      return;
    }
    const data = flatten(input.data);
    const n = shape[0] as number;
    if (data.length !== n) {
      errors.push({
        column: name,
        message: `shape ${JSON.stringify(shape)} says ${n} values, but data holds ${data.length}`,
      });
      return;
    }
    if (rows !== undefined && n !== rows) {
      errors.push({
        column: name,
        message: `has ${n} rows, but the inputs before it have ${rows}`,
        hint: "every input carries one value per row",
      });
      return;
    }
    rows = n;
    columns.set(name, data);
  });
  if (errors.length > 0) throw new RequestError(400, errors);
  return finish(
    { rows: rows ?? 0, columns, ...(typeof body.id === "string" ? { id: body.id } : {}) },
    limits,
  );
}

/**
 * Decodes an MLflow scoring request (`POST /invocations`): exactly one of `dataframe_split`,
 * `dataframe_records`, `instances` or `inputs` (records, or a dict of columns).
 */
export function decodeInvocationsRequest(body: unknown, limits: RequestLimits): TabularRequest {
  const keys = ["dataframe_split", "dataframe_records", "instances", "inputs"];
  if (!isObject(body))
    throw new RequestError(400, {
      message: "the body is not a JSON object",
      hint: `send one of ${keys.join(", ")}`,
    });
  const given = keys.filter((k) => k in body);
  if (given.length !== 1)
    throw new RequestError(400, {
      message:
        given.length === 0
          ? `the body has none of ${keys.join(", ")}`
          : `the body has ${given.join(" and ")}; send exactly one`,
      hint: 'e.g. {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}',
    });
  const key = given[0]!;
  const value = body[key];
  if (key === "dataframe_split") {
    if (!isObject(value) || !Array.isArray(value.columns) || !Array.isArray(value.data))
      throw new RequestError(400, {
        message: "dataframe_split needs `columns` (names) and `data` (rows)",
        hint: '{"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2], [3, 4]]}}',
      });
    const names = value.columns;
    const errors: FieldError[] = [];
    names.forEach((n, k) => {
      if (typeof n !== "string") errors.push({ message: `columns[${k}] is not a name` });
      else if (names.indexOf(n) !== k) errors.push({ column: n, message: `column "${n}" is named twice` });
    });
    if (errors.length > 0) throw new RequestError(400, errors);
    const columns = new Map<string, unknown[]>((names as string[]).map((n) => [n, []]));
    value.data.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== names.length) {
        errors.push({ row: i, message: `the row is not a list of ${names.length} values` });
        return;
      }
      row.forEach((cell, k) => columns.get(names[k] as string)!.push(cell));
    });
    if (errors.length > 0) throw new RequestError(400, errors);
    return finish({ rows: value.data.length, columns }, limits);
  }
  if (Array.isArray(value)) return finish(fromRecords(value), limits);
  if (isObject(value) && key !== "dataframe_records") return finish(fromColumns(value), limits);
  throw new RequestError(400, {
    message: `${key} must be ${key === "dataframe_records" ? "a list of records" : "a list of records or an object of columns"}`,
  });
}

function fromRecords(records: unknown[]): TabularRequest {
  const columns = new Map<string, unknown[]>();
  const errors: FieldError[] = [];
  records.forEach((record, i) => {
    if (!isObject(record)) {
      errors.push({ row: i, message: "the row is not a record (an object of column values)" });
      return;
    }
    for (const [name, cell] of Object.entries(record)) {
      let cells = columns.get(name);
      if (!cells) {
        cells = new Array<unknown>(records.length).fill(undefined);
        columns.set(name, cells);
      }
      cells[i] = cell;
    }
  });
  if (errors.length > 0) throw new RequestError(400, errors);
  return { rows: records.length, columns };
}

function fromColumns(value: Record<string, unknown>): TabularRequest {
  const columns = new Map<string, unknown[]>();
  let rows: number | undefined;
  const errors: FieldError[] = [];
  for (const [name, cells] of Object.entries(value)) {
    if (!Array.isArray(cells)) {
      errors.push({ column: name, message: "the column is not a list of values" });
      continue;
    }
    if (rows !== undefined && cells.length !== rows)
      errors.push({
        column: name,
        message: `has ${cells.length} values, but the columns before it have ${rows}`,
      });
    rows ??= cells.length;
    columns.set(name, cells);
  }
  if (errors.length > 0) throw new RequestError(400, errors);
  return { rows: rows ?? 0, columns };
}

function finish(request: TabularRequest, limits: RequestLimits): TabularRequest {
  if (request.rows === 0)
    throw new RequestError(400, { message: "the request has no rows", hint: "send at least one row" });
  if (request.rows > limits.maxRows)
    throw new RequestError(413, {
      message: `the request has ${request.rows} rows; at most ${limits.maxRows} are allowed`,
      hint: "split it into smaller requests, or start the server with a higher --max-rows",
    });
  return request;
}
