/**
 * A decoded request turned into a typed batch, checked against the data spec the way a data
 * file is (types, ranges, allowed values, nullability): the same cell reads the same here and
 * in `modelgate predict`. Every problem is reported, located by row and column.
 */
import { BatchBuilder, columnStates } from "../data/build-batch.js";
import { ProblemCollector } from "../data/collect-problems.js";
import type { RowBatch } from "../data/row-batch.js";
import { closest } from "../project/did-you-mean.js";
import type { DataSpec } from "../project/schemas.js";
import type { TabularRequest } from "./decode-request.js";
import { RequestError, type FieldError } from "./request-error.js";
import type { ServedModel } from "./served-model.js";

/** Most distinct values of a category column without `values` one request may hold. */
const MAX_LEVELS = 10000;

/** Requests up to this many rows take their arrays from the pool. */
const POOLED_MAX_ROWS = 64;
/** Free arrays kept per byte size. */
const POOL_DEPTH = 512;

/**
 * Array buffers of small requests, reused: allocating an ArrayBuffer costs far more than filling
 * a one-row batch, and a request needs a dozen. A batch's buffers come back through
 * {@link releaseRequestBatch} once nothing reads the batch any more.
 */
const pool = new Map<number, ArrayBuffer[]>();
/** Buffers the builder asks for after its batch was taken: never written, shared. */
const scratch = new Map<number, ArrayBuffer>();

function pooledBuffer(bytes: number): ArrayBuffer {
  return pool.get(bytes)?.pop() ?? new ArrayBuffer(bytes);
}

/**
 * Gives the arrays of `batch` (from {@link buildRequestBatch}) back for later requests. Call it
 * only when nothing will read the batch again (its predictions are computed and copied out).
 */
export function releaseRequestBatch(batch: RowBatch): void {
  if (batch.row.length > POOLED_MAX_ROWS) return;
  const give = (b: ArrayBufferLike) => {
    if (!(b instanceof ArrayBuffer)) return;
    let free = pool.get(b.byteLength);
    if (!free) pool.set(b.byteLength, (free = []));
    if (free.length < POOL_DEPTH) free.push(b);
  };
  give(batch.row.buffer);
  give(batch.line.buffer);
  for (const c of batch.columns)
    if (c.kind === "numeric") give(c.values.buffer);
    else if (c.kind === "category") give(c.codes.buffer);
}

/**
 * The rows of `request` as a batch in the data spec's column order. Throws a RequestError (400)
 * with every problem: an unknown column, a feature the request lacks, a cell the spec refuses,
 * a missing value the model cannot impute.
 */
export function buildRequestBatch(request: TabularRequest, model: ServedModel): RowBatch {
  const spec = model.dataSpec;
  const known = spec.columns.map((c) => c.name);
  const errors: FieldError[] = [];
  for (const name of request.columns.keys())
    if (!known.includes(name)) {
      const near = closest(name, known);
      errors.push({
        column: name,
        message: `there is no column "${name}" in the data spec`,
        hint: near !== undefined ? `did you mean "${near}"?` : `columns: ${known.join(", ")}`,
      });
    }
  for (const f of model.features)
    if (!request.columns.has(f))
      errors.push({ column: f, message: `the model needs column "${f}", which the request lacks` });
  if (errors.length > 0) throw new RequestError(400, errors);
  const { batch, problems } = readCells(request, spec, model.features);
  errors.push(...problems);
  const bad = new Set(problems.map((p) => p.row));
  for (let i = 0; i < batch.length; i++) {
    if (bad.has(i)) continue;
    const feature = model.unscorable(batch, i);
    if (feature !== null)
      errors.push({
        row: i,
        column: feature,
        message: "missing value in a feature the model does not impute",
        hint: "send a value for it",
      });
  }
  if (errors.length > 0) throw new RequestError(400, errors.sort(byRow));
  return batch;
}

function byRow(a: FieldError, b: FieldError): number {
  return (a.row ?? -1) - (b.row ?? -1);
}

function readCells(
  request: TabularRequest,
  spec: DataSpec,
  features: readonly string[],
): { batch: RowBatch; problems: FieldError[] } {
  const collector = new ProblemCollector("request", Infinity, Infinity);
  const states = columnStates(spec);
  // A column the request does not carry is missing only where the model needs it.
  for (const s of states) s.reportAbsent = features.includes(s.name);
  let taken = false;
  const small = request.rows <= POOLED_MAX_ROWS;
  const newBuffer = (bytes: number): ArrayBuffer => {
    if (taken) {
      let b = scratch.get(bytes);
      if (!b) scratch.set(bytes, (b = new ArrayBuffer(bytes)));
      return b;
    }
    return small ? pooledBuffer(bytes) : new ArrayBuffer(bytes);
  };
  const builder = new BatchBuilder(
    spec,
    collector,
    { batchSize: request.rows, maxLevels: MAX_LEVELS },
    states,
    newBuffer,
  );
  const given = states.map((s) => request.columns.get(s.name));
  const problems: FieldError[] = [];
  for (let i = 0; i < request.rows; i++) {
    builder.begin(i + 1, i + 1);
    for (let c = 0; c < states.length; c++) {
      const cells = given[c];
      if (cells === undefined) continue;
      const cell = cells[i];
      const state = states[c]!;
      if (cell === undefined || cell === null) builder.missing(c);
      else if (typeof cell === "number") {
        if (state.t <= 1) builder.number(c, cell);
        else builder.text(c, String(cell));
      } else if (typeof cell === "boolean") builder.jsonBoolean(c, cell);
      else if (typeof cell === "string") builder.text(c, cell);
      else {
        problems.push({
          row: i,
          column: state.name,
          message: "a nested value (object or list) is not a cell",
        });
        builder.skip(c);
      }
    }
    builder.end();
  }
  // The builder makes fresh arrays for a next batch as it hands this one out; there is none.
  taken = true;
  const built = builder.take();
  for (const p of collector.problems())
    problems.push({
      ...(p.row !== undefined ? { row: p.row - 1 } : {}),
      ...(p.field !== undefined ? { column: p.field } : {}),
      message: p.message,
      ...(p.hint !== undefined ? { hint: p.hint } : {}),
    });
  return {
    batch: {
      length: built.length,
      row: built.row,
      line: built.line,
      side: new Uint8Array(built.length),
      columns: built.columns,
    },
    problems,
  };
}
