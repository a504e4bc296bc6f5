/**
 * A decoded request turned into a typed batch, checked against the data spec the way a data
 * file is (types, ranges, allowed values, nullability): the same cell reads the same here and
 * in `modelgate predict`. Every problem is reported, located by row and column.
 */
import { BatchBuilder, columnStates, type ColumnState } from "../data/build-batch.js";
import { T_CATEGORY } from "../data/column-states.js";
import { ProblemCollector, type CollectedProblems } from "../data/collect-problems.js";
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
 * What every request to one served version shares, made at its first request (the canary row's,
 * when the version is loaded): the column states and a builder for small requests. A request's
 * cells are read synchronously, so one builder serves them all in turn.
 */
interface VersionReader {
  spec: DataSpec;
  /** The data spec's column names. */
  known: ReadonlySet<string>;
  /** Column states, `reportAbsent` set where the model needs the column. */
  states: ColumnState[];
  /** Category columns without `values`: their levels are each request's own, and so their states. */
  open: number[];
  /** The builder of requests up to {@link POOLED_MAX_ROWS} rows; undefined while one is read. */
  small: { builder: BatchBuilder; collector: ProblemCollector } | undefined;
}

/** Per served version: a new version (a new ServedModel) gets a reader of its own. */
const readers = new WeakMap<ServedModel, VersionReader>();

/** What an empty collector holds: restoring it empties a collector for the next request. */
const NO_PROBLEMS: CollectedProblems = { groups: [], total: 0, stoppedAt: undefined };

function readerOf(model: ServedModel): VersionReader {
  let reader = readers.get(model);
  if (reader === undefined) {
    const spec = model.dataSpec;
    const states = columnStates(spec);
    const features = new Set(model.features);
    const open: number[] = [];
    states.forEach((s, c) => {
      // A column the request does not carry is missing only where the model needs it.
      s.reportAbsent = features.has(s.name);
      if (s.t === T_CATEGORY && !s.closed) open.push(c);
    });
    reader = { spec, known: new Set(states.map((s) => s.name)), states, open, small: undefined };
    readers.set(model, reader);
  }
  return reader;
}

/**
 * The rows of `request` as a batch in the data spec's column order. Throws a RequestError (400)
 * with every problem: an unknown column, a feature the request lacks, a cell the spec refuses,
 * a missing value the model cannot impute.
 */
export function buildRequestBatch(request: TabularRequest, model: ServedModel): RowBatch {
  const reader = readerOf(model);
  const errors: FieldError[] = [];
  for (const name of request.columns.keys())
    if (!reader.known.has(name)) {
      const known = [...reader.known];
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
  const { batch, problems } = readCells(request, reader);
  const bad = problems.length > 0 ? new Set(problems.map((p) => p.row)) : undefined;
  for (let i = 0; i < batch.length; i++) {
    if (bad?.has(i)) continue;
    const feature = model.unscorable(batch, i);
    if (feature !== null)
      problems.push({
        row: i,
        column: feature,
        message: "missing value in a feature the model does not impute",
        hint: "send a value for it",
      });
  }
  if (problems.length > 0) throw new RequestError(400, problems.sort(byRow));
  return batch;
}

function byRow(a: FieldError, b: FieldError): number {
  return (a.row ?? -1) - (b.row ?? -1);
}

/** The states of one request: the version's, with fresh ones for its open category columns. */
function requestStates(reader: VersionReader): ColumnState[] {
  // The shared states' `missingRows` (at most five, for a data file's messages) go unread here.
  if (reader.open.length === 0) return reader.states;
  const states = reader.states.slice();
  for (const c of reader.open)
    states[c] = { ...states[c]!, codeOf: new Map(), levels: [], raw: [], missingRows: [] };
  return states;
}

/** A builder of small requests: its arrays come from the pool, sized for the largest of them. */
function smallBuilder(reader: VersionReader): { builder: BatchBuilder; collector: ProblemCollector } {
  const collector = new ProblemCollector("request", Infinity, Infinity);
  const limits = { batchSize: POOLED_MAX_ROWS, maxLevels: MAX_LEVELS };
  return {
    builder: new BatchBuilder(reader.spec, collector, limits, reader.states.slice(), pooledBuffer),
    collector,
  };
}

/** A builder of one large request, with arrays of its own. */
function largeBuilder(
  request: TabularRequest,
  reader: VersionReader,
  states: ColumnState[],
): { builder: BatchBuilder; collector: ProblemCollector } {
  const collector = new ProblemCollector("request", Infinity, Infinity);
  let built = false;
  const newBuffer = (bytes: number): ArrayBuffer => {
    // The builder makes fresh arrays for a next batch as it hands this one out; there is none.
    if (built) {
      let b = scratch.get(bytes);
      if (!b) scratch.set(bytes, (b = new ArrayBuffer(bytes)));
      return b;
    }
    return new ArrayBuffer(bytes);
  };
  const limits = { batchSize: request.rows, maxLevels: MAX_LEVELS };
  const builder = new BatchBuilder(reader.spec, collector, limits, states, newBuffer);
  built = true;
  return { builder, collector };
}

function readCells(
  request: TabularRequest,
  reader: VersionReader,
): { batch: RowBatch; problems: FieldError[] } {
  const states = requestStates(reader);
  const small = request.rows <= POOLED_MAX_ROWS;
  let used: { builder: BatchBuilder; collector: ProblemCollector };
  if (small) {
    used = reader.small ?? smallBuilder(reader);
    // Taken while the cells are read: a throw leaves it half-filled, and the next request makes
    // another.
    reader.small = undefined;
    if (!used.collector.empty) used.collector.restore(NO_PROBLEMS);
    for (const c of reader.open) used.builder.cols[c] = states[c]!;
  } else used = largeBuilder(request, reader, states);
  const { builder, collector } = used;
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
  const built = builder.take();
  if (small) reader.small = used;
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
