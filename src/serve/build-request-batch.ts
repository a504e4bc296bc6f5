/**
 * A decoded request turned into a typed batch, checked against the data spec the way a data
 * file is (types, ranges, allowed values, nullability): the same cell reads the same here and
 * in `modelgate predict`. Every problem is reported, located by row and column.
 */
import { BatchBuilder, columnStates, type ColumnState } from "../data/build-batch.js";
import { batchArrays, columnVector, type BatchArrays } from "../data/built-batch.js";
import { T_CATEGORY, T_STRING } from "../data/column-states.js";
import { ProblemCollector, type CollectedProblems } from "../data/collect-problems.js";
import type { RowBatch } from "../data/row-batch.js";
import { closest } from "../project/did-you-mean.js";
import type { DataSpec } from "../project/schemas.js";
import type { TabularRequest } from "./decode-request.js";
import { RequestError, type FieldError } from "./request-error.js";
import type { ServedModel } from "./served-model.js";

/** Most distinct values of a category column without `values` one request may hold. */
const MAX_LEVELS = 10000;

/** Requests up to this many rows fill arrays reused from request to request. */
const POOLED_MAX_ROWS = 64;
/** Free sets of arrays kept per served version. */
const POOL_DEPTH = 512;

/**
 * A set of arrays for requests of up to {@link POOLED_MAX_ROWS} rows, and the batches that view
 * it, made once per row count: allocating the dozen typed arrays of a batch (and views of them)
 * costs more than filling a one-row batch. Back in its version's pool through
 * {@link releaseRequestBatch} once nothing reads its batch any more.
 */
interface Slot {
  arrays: BatchArrays;
  /** Every row's side (never written: all zero). */
  side: Uint8Array;
  /** The batch of `n` rows viewing the arrays, by `n`. */
  views: (RowBatch | undefined)[];
  free: Slot[];
  inUse: boolean;
}

/** The slot each batch of a small request views. */
const slotOf = new WeakMap<RowBatch, Slot>();
/** Buffers the builder asks for after its batch was taken: never written, shared. */
const scratch = new Map<number, ArrayBuffer>();

/**
 * Gives the arrays of `batch` (from {@link buildRequestBatch}) back for later requests. Call it
 * only when nothing will read the batch again (its predictions are computed and copied out).
 */
export function releaseRequestBatch(batch: RowBatch): void {
  const slot = slotOf.get(batch);
  if (slot === undefined || !slot.inUse) return;
  slot.inUse = false;
  if (slot.free.length < POOL_DEPTH) slot.free.push(slot);
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
  /**
   * Columns whose vectors each request gets new: open categories (levels of its own) and strings
   * (their values copied out of the reused arrays).
   */
  fresh: number[];
  /** The builder of requests up to {@link POOLED_MAX_ROWS} rows; undefined while one is read. */
  small: { builder: BatchBuilder; collector: ProblemCollector } | undefined;
  /** Free slots for small requests. */
  free: Slot[];
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
    const fresh = states.flatMap((s, c) => (open.includes(c) || s.t === T_STRING ? [c] : []));
    const known = new Set(states.map((s) => s.name));
    reader = { spec, known, states, open, fresh, small: undefined, free: [] };
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
  if (problems.length > 0) {
    releaseRequestBatch(batch);
    throw new RequestError(400, problems.sort(byRow));
  }
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

/** A builder of small requests: each fills the arrays of a slot ({@link BatchBuilder.fillInto}). */
function smallBuilder(reader: VersionReader): { builder: BatchBuilder; collector: ProblemCollector } {
  const collector = new ProblemCollector("request", Infinity, Infinity);
  const limits = { batchSize: POOLED_MAX_ROWS, maxLevels: MAX_LEVELS };
  return { builder: new BatchBuilder(reader.spec, collector, limits, reader.states.slice()), collector };
}

/** A free slot of `reader`'s, or a new one. */
function slotFor(reader: VersionReader): Slot {
  const slot = reader.free.pop() ?? {
    arrays: batchArrays(reader.states, POOLED_MAX_ROWS),
    side: new Uint8Array(POOLED_MAX_ROWS),
    views: [],
    free: reader.free,
    inUse: false,
  };
  slot.inUse = true;
  return slot;
}

/**
 * The batch of the first `n` rows of `slot`, made once per row count: it is this request's alone
 * until released, so its fresh columns are replaced in place with this request's (`states`).
 */
function slotBatch(slot: Slot, n: number, reader: VersionReader, states: ColumnState[]): RowBatch {
  const { arrays } = slot;
  let view = slot.views[n];
  if (view === undefined) {
    const columns = reader.states.map((s, c) => columnVector(s, c, arrays, n));
    const row = arrays.rows.subarray(0, n);
    view = { length: n, row, line: arrays.lines.subarray(0, n), side: slot.side.subarray(0, n), columns };
    slot.views[n] = view;
    slotOf.set(view, slot);
  }
  const columns = view.columns;
  for (const c of reader.fresh) {
    const state = states[c]!;
    const old = columns[c]!;
    columns[c] =
      old.kind === "category"
        ? {
            kind: old.kind,
            name: old.name,
            type: old.type,
            codes: old.codes,
            levels: state.levels,
            raw: state.raw,
          }
        : columnVector(state, c, arrays, n);
  }
  return view;
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
  const slot = request.rows <= POOLED_MAX_ROWS ? slotFor(reader) : undefined;
  let used: { builder: BatchBuilder; collector: ProblemCollector };
  if (slot !== undefined) {
    used = reader.small ?? smallBuilder(reader);
    // Taken while the cells are read: a throw leaves it half-filled, and the next request makes
    // another.
    reader.small = undefined;
    if (!used.collector.empty) used.collector.restore(NO_PROBLEMS);
    for (const c of reader.open) used.builder.cols[c] = states[c]!;
    used.builder.fillInto(slot.arrays);
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
  let batch: RowBatch;
  if (slot !== undefined) {
    batch = slotBatch(slot, builder.n, reader, states);
    reader.small = used;
  } else {
    const built = builder.take();
    batch = {
      length: built.length,
      row: built.row,
      line: built.line,
      side: new Uint8Array(built.length),
      columns: built.columns,
    };
  }
  if (!collector.empty)
    for (const p of collector.problems())
      problems.push({
        ...(p.row !== undefined ? { row: p.row - 1 } : {}),
        ...(p.field !== undefined ? { column: p.field } : {}),
        message: p.message,
        ...(p.hint !== undefined ? { hint: p.hint } : {}),
      });
  return { batch, problems };
}
