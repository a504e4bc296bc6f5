/**
 * The raw design of a linear fit, factored in the same pass as the statistics (see README.md).
 *
 * The QR factor is taken of an *augmented raw* design whose columns do not depend on anything
 * learnt from the data: a column of ones; per numeric feature the powers (x − c)^k of its value
 * shifted by c (the first value seen, so the powers do not cancel against the mean), 0 where the
 * value is missing, and a missing indicator m; per category feature a missing indicator and one
 * indicator per level seen; and the target shifted by its first value. Because (x − c)^k · m = 0,
 * an imputed, standardised term ((x or fill)^k − mean) / std is a linear combination of these
 * columns, so the design the model is fitted on is A·T for a small matrix T known only once the
 * statistics are final. Its factor is the triangular factor of R·T: exact for any fill value and
 * scaling decided afterwards, and for factors of disjoint rows (shards) each with its own shifts
 * and levels, stacked in the final basis and factored again.
 *
 * A {@link DesignAccumulator} holds, per cross-validation fold, the factor of its rows, and for
 * the whole of its rows the mergeable statistics of the feature pipeline (counts, Welford means
 * and M2 per power, category counts) and the value ranges the solver names constant columns
 * with. {@link finishDesign} turns one or several of them into the pipeline and the factors of
 * the final design.
 */
import { TRAIN, type ColumnVector, type RowBatch } from "../data/row-batch.js";
import { InputError } from "../errors.js";
import {
  AllMissingError,
  addPowers,
  categoryStep,
  numericFill,
  numericStep,
  type ResolvedFeature,
} from "../train/feature-pipeline.js";
import {
  featureValue,
  type CategoryFeature,
  type FeatureStep,
  type NumericFeature,
  type Pipeline,
} from "../model/pipeline.js";
import { QrAccumulator, QR_STATE_FORMAT, type QrState } from "../train/least-squares/qr-accumulator.js";
import { foldOf } from "../train/search-space.js";

export const DESIGN_STATE_FORMAT = "modelgate.design/1";

/** Mergeable statistics of one numeric feature on the train side (target present). */
export interface NumericFeatureStats {
  kind: "numeric";
  observed: number;
  missing: number;
  /** Welford mean and M2 per power 1..degree of the observed values. */
  mean: number[];
  m2: number[];
  /** Counts of distinct values, for most_frequent only: [value, count] pairs. */
  counts: [number, number][] | null;
}

/** Mergeable statistics of one category feature on the train side (target present). */
export interface CategoryFeatureStats {
  kind: "category";
  counts: Record<string, number>;
  missing: number;
}

/** Ranges over the factored rows, from which the final columns' ranges follow exactly. */
export interface NumericRange {
  /** Smallest and largest x^k (k = 1..degree) over the factored rows with a value. */
  min: (number | null)[];
  max: (number | null)[];
  /** Factored rows where the value was missing (imputed). */
  missing: number;
}

export interface CategoryRange {
  /** Factored rows per level. */
  counts: Record<string, number>;
  missing: number;
}

/** One cross-validation fold's target statistics (for a held-out R²). */
export interface FoldTarget {
  n: number;
  mean: number;
  m2: number;
}

/** The augmented basis of one accumulator: which raw column means what. */
export interface DesignBasis {
  /** Per feature (resolved order): the shift c of a numeric feature (null before a value). */
  shifts: (number | null)[];
  /** Level columns in order of first sight: [feature index, level]. */
  levels: [number, string][];
  /** The target's shift (its first value), null before a row. */
  yShift: number | null;
}

/** A design accumulator as JSON: its size depends on the features and levels, not the rows. */
export interface DesignState {
  format: typeof DESIGN_STATE_FORMAT;
  basis: DesignBasis;
  /** One factor of the augmented raw design per fold. */
  folds: QrState[];
  foldTargets: FoldTarget[];
  stats: (NumericFeatureStats | CategoryFeatureStats)[];
  ranges: (NumericRange | CategoryRange)[];
  /** Train rows with the target present (the statistics' rows). */
  statsRows: number;
  /** Train rows whose target is missing. */
  missingTarget: number;
  /** Train rows left out of the factor: a feature with `impute: none` was missing. */
  unscorable: number;
  /** Smallest and largest target over the factored rows. */
  yMin: number | null;
  yMax: number | null;
}

/** What the accumulator needs to know of the model and the data. */
export interface DesignConfig {
  /** Features with their options and the largest degree any trial uses. */
  features: ResolvedFeature[];
  /** Column index in a batch of each feature, and of the target. */
  columnIndex: number[];
  targetIndex: number;
  folds: number;
  foldSeed: number;
  /** Whether rows are limited to the ones `keep(batch, i)` accepts (a shard's share). */
  keep?: (batch: RowBatch, i: number) => boolean;
}

/** Rows written to the fold factors at a time: the QR accumulator's block. */
const CHUNK_ROWS = 128;

/** Streams train rows into the fold factors and the statistics; see the file comment. */
export class DesignAccumulator {
  private readonly features: ResolvedFeature[];
  private readonly config: DesignConfig;
  private readonly numericAt: number[];
  private readonly missingAt: number[];
  private readonly imputeNone: number[];
  private width: number;
  private folds: QrAccumulator[];
  /** Rows being written, column-major: column j of the t-th row at j · CHUNK_ROWS + t. */
  private chunk: Float64Array;
  private readonly foldOfRow = new Int32Array(CHUNK_ROWS);
  private readonly foldRows = new Int32Array(CHUNK_ROWS);
  /** The batch's rows that are added, by index. */
  private picked = new Int32Array(0);
  private readonly hasCategories: boolean;
  private readonly firstCategory: number;
  /** The first level column: levels go between the missing indicators and y. */
  private readonly levelsFrom: number;
  /** Smallest and largest x^k per numeric feature, from rangeAt[k] (the ranges, as numbers). */
  private readonly rangeAt: number[];
  private readonly rangeMin: Float64Array;
  private readonly rangeMax: Float64Array;
  private readonly levelColumn: Map<string, number>[];
  private readonly codeCache: WeakMap<readonly string[], Int32Array>[];
  readonly basis: DesignBasis;
  readonly foldTargets: FoldTarget[];
  readonly stats: (NumericFeatureStats | CategoryFeatureStats)[];
  readonly ranges: (NumericRange | CategoryRange)[];
  /** Observed values per numeric feature with median imputation (in one process only). */
  readonly medianValues: (number[] | null)[];
  private readonly frequent: (Map<number, number> | null)[];
  statsRows = 0;
  missingTarget = 0;
  unscorable = 0;
  yMin = Infinity;
  yMax = -Infinity;

  constructor(config: DesignConfig) {
    this.config = config;
    this.features = config.features;
    // Layout: [1 | per numeric feature: z_1..z_d, m | per category: m | levels… | y].
    let at = 1;
    this.numericAt = this.features.map((f) => {
      if (f.kind !== "numeric") return -1;
      const start = at;
      at += f.degree + 1;
      return start;
    });
    this.missingAt = this.features.map((f) => (f.kind === "category" ? at++ : -1));
    this.levelsFrom = at;
    this.width = at + 1;
    this.firstCategory = this.features.findIndex((f) => f.kind === "category");
    this.hasCategories = this.firstCategory >= 0;
    let ranges = 0;
    this.rangeAt = this.features.map((f) => {
      const start = ranges;
      if (f.kind === "numeric") ranges += f.degree;
      return start;
    });
    this.rangeMin = new Float64Array(ranges).fill(Infinity);
    this.rangeMax = new Float64Array(ranges).fill(-Infinity);
    this.imputeNone = this.features.flatMap((f, k) => (f.impute === "none" ? [k] : []));
    this.folds = Array.from({ length: config.folds }, () => new QrAccumulator(this.width));
    this.chunk = new Float64Array(this.width * CHUNK_ROWS);
    this.levelColumn = this.features.map(() => new Map());
    this.codeCache = this.features.map(() => new WeakMap());
    this.basis = { shifts: this.features.map(() => null), levels: [], yShift: null };
    this.foldTargets = Array.from({ length: config.folds }, () => ({ n: 0, mean: 0, m2: 0 }));
    this.stats = this.features.map((f) =>
      f.kind === "category"
        ? { kind: "category", counts: {}, missing: 0 }
        : {
            kind: "numeric",
            observed: 0,
            missing: 0,
            mean: new Array<number>(f.degree).fill(0),
            m2: new Array<number>(f.degree).fill(0),
            counts: null,
          },
    );
    this.ranges = this.features.map((f) =>
      f.kind === "category"
        ? { counts: {}, missing: 0 }
        : {
            min: new Array<number | null>(f.degree).fill(null),
            max: new Array<number | null>(f.degree).fill(null),
            missing: 0,
          },
    );
    this.medianValues = this.features.map((f) => (f.kind === "numeric" && f.impute === "median" ? [] : null));
    this.frequent = this.features.map((f) =>
      f.kind === "numeric" && f.impute === "most_frequent" ? new Map() : null,
    );
  }

  /** Adds the train rows of a batch (rows outside `keep`, or on the test side, are skipped). */
  add(batch: RowBatch): void {
    const { targetIndex, keep } = this.config;
    const yCol = batch.columns[targetIndex]!;
    if (yCol.kind !== "numeric") throw new TypeError(`target ${yCol.name} is not numeric`);
    const ys = yCol.values;
    const side = batch.side;
    if (this.picked.length < batch.length) this.picked = new Int32Array(batch.length);
    const picked = this.picked;
    let count = 0;
    for (let i = 0; i < batch.length; i++) {
      if (side[i] !== TRAIN || (keep && !keep(batch, i))) continue;
      if (Number.isNaN(ys[i]!)) this.missingTarget++;
      else picked[count++] = i;
    }
    if (count === 0) return;
    // Column by column: each feature's statistics see its rows in the same order as row by row
    // would, so every number is the same; only the loops are tighter.
    this.learn(batch, picked, count);
    if (this.imputeNone.length > 0) count = this.dropUnimputed(batch, picked, count);
    let t = 0;
    while (t < count) {
      // A chunk of rows ends before a row with a new category level, which widens the factor.
      const limit = Math.min(count, t + CHUNK_ROWS);
      let end = t;
      for (; end < limit; end++) {
        if (!this.hasCategories || !this.newLevels(batch, picked[end]!, false)) continue;
        if (end > t) break;
        this.newLevels(batch, picked[end]!, true);
      }
      this.factor(batch, ys, picked, t, end);
      t = end;
    }
  }

  /** Keeps the rows without a missing `impute: none` feature; returns how many. */
  private dropUnimputed(batch: RowBatch, picked: Int32Array, count: number): number {
    let kept = 0;
    for (let t = 0; t < count; t++) {
      const i = picked[t]!;
      if (this.hasUnimputedMissing(batch, i)) this.unscorable++;
      else picked[kept++] = i;
    }
    return kept;
  }

  private hasUnimputedMissing(batch: RowBatch, i: number): boolean {
    for (const k of this.imputeNone) {
      const col = batch.columns[this.config.columnIndex[k]!]!;
      if (
        col.kind === "numeric" ? Number.isNaN(col.values[i]!) : col.kind === "category" && col.codes[i]! < 0
      )
        return true;
    }
    return false;
  }

  /** The pipeline's statistics: every train row with a target, as PipelineLearner counts them. */
  private learn(batch: RowBatch, picked: Int32Array, count: number): void {
    this.statsRows += count;
    for (let k = 0; k < this.features.length; k++) {
      const s = this.stats[k]!;
      const col = batch.columns[this.config.columnIndex[k]!]!;
      if (s.kind === "category") {
        if (col.kind !== "category") throw new TypeError(`${col.name} is not a category column`);
        countLevels(col.codes, col.levels, picked, count, s.counts);
        for (let t = 0; t < count; t++) if (col.codes[picked[t]!]! < 0) s.missing++;
        continue;
      }
      if (col.kind !== "numeric") throw new TypeError(`${col.name} is not a numeric column`);
      const f = this.features[k] as Extract<ResolvedFeature, { kind: "numeric" }>;
      const values = col.values;
      const median = this.medianValues[k];
      const counts = this.frequent[k];
      if (f.degree === 1 && !median && !counts) {
        // addPowers for one power, with the moments in locals.
        let { observed } = s;
        let mean = s.mean[0]!;
        let m2 = s.m2[0]!;
        for (let t = 0; t < count; t++) {
          const raw = values[picked[t]!]!;
          if (Number.isNaN(raw)) {
            s.missing++;
            continue;
          }
          const x = featureValue(f.type, raw);
          const delta = x - mean;
          mean += delta / ++observed;
          m2 += delta * (x - mean);
        }
        s.observed = observed;
        s.mean[0] = mean;
        s.m2[0] = m2;
        continue;
      }
      for (let t = 0; t < count; t++) {
        const raw = values[picked[t]!]!;
        if (Number.isNaN(raw)) {
          s.missing++;
          continue;
        }
        const x = featureValue(f.type, raw);
        addPowers(s, x, f.degree);
        median?.push(x);
        if (counts) counts.set(x, (counts.get(x) ?? 0) + 1);
      }
    }
  }

  /**
   * Whether row `i` holds category levels the factor has no column for yet; with `add`, widens
   * the factor by each of them, in feature order.
   */
  private newLevels(batch: RowBatch, i: number, add: boolean): boolean {
    let found = false;
    for (let k = 0; k < this.features.length; k++) {
      if (this.features[k]!.kind !== "category") continue;
      const col = batch.columns[this.config.columnIndex[k]!]!;
      if (col.kind !== "category") continue;
      const code = col.codes[i]!;
      if (code < 0 || this.columnOfCode(k, col.levels, code) >= 0) continue;
      if (!add) return true;
      this.addLevel(k, col.levels[code]!);
      found = true;
    }
    return found;
  }

  /**
   * Writes rows picked[from..to) of the augmented raw design column by column into the chunk
   * (column j of the t-th row at j · CHUNK_ROWS + t), then hands each fold its rows, in order.
   */
  private factor(batch: RowBatch, ys: Float64Array, picked: Int32Array, from: number, to: number): void {
    const m = to - from;
    const chunk = this.chunk;
    const width = this.width;
    chunk.fill(1, 0, m);
    for (let k = 0; k < this.features.length; k++) {
      const f = this.features[k]!;
      const col = batch.columns[this.config.columnIndex[k]!]!;
      if (f.kind === "category") this.writeCategory(k, col, picked, from, m);
      else this.writeNumeric(k, f, col, picked, from, m);
    }
    const yAt = (width - 1) * CHUNK_ROWS;
    const folds = this.config.folds;
    const fold = this.foldOfRow;
    for (let t = 0; t < m; t++) {
      const i = picked[from + t]!;
      const y = ys[i]!;
      const yShift = (this.basis.yShift ??= y);
      chunk[yAt + t] = y - yShift;
      if (y < this.yMin) this.yMin = y;
      if (y > this.yMax) this.yMax = y;
      const f = folds > 1 ? foldOf(batch.row[i]!, folds, this.config.foldSeed) : 0;
      fold[t] = f;
      const target = this.foldTargets[f]!;
      const d = y - target.mean;
      target.mean += d / ++target.n;
      target.m2 += d * (y - target.mean);
    }
    if (folds === 1) {
      this.folds[0]!.addRows(chunk, CHUNK_ROWS, m);
      return;
    }
    const rows = this.foldRows;
    for (let f = 0; f < folds; f++) {
      let n = 0;
      for (let t = 0; t < m; t++) if (fold[t] === f) rows[n++] = t;
      if (n > 0) this.folds[f]!.addRows(chunk, CHUNK_ROWS, n, rows);
    }
  }

  /** A numeric feature's columns: the powers (x − c)^k, 0 where missing, and the missing indicator. */
  private writeNumeric(
    k: number,
    f: Extract<ResolvedFeature, { kind: "numeric" }>,
    col: ColumnVector,
    picked: Int32Array,
    from: number,
    m: number,
  ): void {
    const chunk = this.chunk;
    const at = this.numericAt[k]! * CHUNK_ROWS;
    const degree = f.degree;
    const flag = at + degree * CHUNK_ROWS;
    const r = this.ranges[k] as NumericRange;
    if (col.kind !== "numeric") {
      for (let d = 0; d < degree; d++) chunk.fill(0, at + d * CHUNK_ROWS, at + d * CHUNK_ROWS + m);
      chunk.fill(1, flag, flag + m);
      r.missing += m;
      return;
    }
    const values = col.values;
    const lo = this.rangeMin;
    const hi = this.rangeMax;
    const range = this.rangeAt[k]!;
    if (degree === 1 && f.type !== "date") {
      // The loop below for one power of a plain number, with the shift and range in locals.
      let shift = this.basis.shifts[k] ?? null;
      let min = lo[range]!;
      let max = hi[range]!;
      for (let t = 0; t < m; t++) {
        const x = values[picked[from + t]!]!;
        if (Number.isNaN(x)) {
          chunk[at + t] = 0;
          chunk[flag + t] = 1;
          r.missing++;
          continue;
        }
        chunk[flag + t] = 0;
        shift ??= x;
        chunk[at + t] = x - shift;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      this.basis.shifts[k] = shift;
      lo[range] = min;
      hi[range] = max;
      if (min < Infinity) r.min[0] = min;
      if (max > -Infinity) r.max[0] = max;
      return;
    }
    for (let t = 0; t < m; t++) {
      const raw = values[picked[from + t]!]!;
      if (Number.isNaN(raw)) {
        for (let d = 0; d < degree; d++) chunk[at + d * CHUNK_ROWS + t] = 0;
        chunk[flag + t] = 1;
        r.missing++;
        continue;
      }
      chunk[flag + t] = 0;
      const x = featureValue(f.type, raw);
      const c = (this.basis.shifts[k] ??= x);
      const u = x - c;
      let power = 1;
      let plain = x;
      for (let d = 0; d < degree; d++) {
        power *= u;
        chunk[at + d * CHUNK_ROWS + t] = power;
        // x^k the way the pipeline computes it, so the ranges match its values bit for bit.
        if (d > 0) plain *= x;
        if (plain < lo[range + d]!) lo[range + d] = plain;
        if (plain > hi[range + d]!) hi[range + d] = plain;
      }
    }
    for (let d = 0; d < degree; d++) {
      if (lo[range + d]! < Infinity) r.min[d] = lo[range + d]!;
      if (hi[range + d]! > -Infinity) r.max[d] = hi[range + d]!;
    }
  }

  /** A category feature's columns: its missing indicator, and a 1 in its level's column. */
  private writeCategory(k: number, col: ColumnVector, picked: Int32Array, from: number, m: number): void {
    const chunk = this.chunk;
    const flag = this.missingAt[k]! * CHUNK_ROWS;
    const r = this.ranges[k] as CategoryRange;
    // Level columns of every category feature: zero them once, with the first category feature.
    if (k === this.firstCategory) chunk.fill(0, this.levelsFrom * CHUNK_ROWS, (this.width - 1) * CHUNK_ROWS);
    for (let t = 0; t < m; t++) {
      const code = col.kind === "category" ? col.codes[picked[from + t]!]! : -1;
      if (code < 0) {
        chunk[flag + t] = 1;
        r.missing++;
        continue;
      }
      chunk[flag + t] = 0;
      const levels = (col as Extract<typeof col, { kind: "category" }>).levels;
      chunk[this.columnOfCode(k, levels, code) * CHUNK_ROWS + t] = 1;
      const level = levels[code]!;
      r.counts[level] = (r.counts[level] ?? 0) + 1;
    }
  }

  /** The raw column of a level code in a batch's levels, or -1 when the level is new. */
  private columnOfCode(k: number, levels: readonly string[], code: number): number {
    let cache = this.codeCache[k]!.get(levels);
    if (!cache || cache.length !== levels.length) {
      cache = new Int32Array(levels.length);
      for (let c = 0; c < levels.length; c++) cache[c] = this.levelColumn[k]!.get(levels[c]!) ?? -1;
      this.codeCache[k]!.set(levels, cache);
    }
    let column = cache[code]!;
    if (column < 0) {
      column = this.levelColumn[k]!.get(levels[code]!) ?? -1;
      cache[code] = column;
    }
    return column;
  }

  /** Widens every fold's factor by a column that was 0 in every earlier row, before y. */
  private addLevel(k: number, level: string): void {
    const at = this.width - 1;
    this.folds = this.folds.map((acc) => QrAccumulator.fromJSON(insertZeroColumn(acc.toJSON(), at)));
    this.width++;
    this.chunk = new Float64Array(this.width * CHUNK_ROWS);
    this.levelColumn[k]!.set(level, at);
    this.basis.levels.push([k, level]);
  }

  /** The accumulator as JSON (a shard's partial result). Numbers round-trip exactly. */
  toJSON(): DesignState {
    return {
      format: DESIGN_STATE_FORMAT,
      basis: structuredClone(this.basis),
      folds: this.folds.map((a) => a.toJSON()),
      foldTargets: this.foldTargets.map((t) => ({ ...t })),
      stats: this.stats.map((s, k) => {
        if (s.kind === "category") return { ...s, counts: { ...s.counts } };
        const counts = this.frequent[k];
        return { ...s, mean: [...s.mean], m2: [...s.m2], counts: counts ? [...counts.entries()] : null };
      }),
      ranges: structuredClone(this.ranges),
      statsRows: this.statsRows,
      missingTarget: this.missingTarget,
      unscorable: this.unscorable,
      yMin: Number.isFinite(this.yMin) ? this.yMin : null,
      yMax: Number.isFinite(this.yMax) ? this.yMax : null,
    };
  }
}

/** Adds each picked row's level to `counts` (level → rows); new keys in the order first seen. */
function countLevels(
  codes: Int32Array,
  levels: readonly string[],
  picked: Int32Array,
  count: number,
  counts: Record<string, number>,
): void {
  const perCode = new Int32Array(levels.length);
  const order: number[] = [];
  for (let t = 0; t < count; t++) {
    const code = codes[picked[t]!]!;
    if (code >= 0 && perCode[code]!++ === 0) order.push(code);
  }
  for (const code of order) {
    const level = levels[code]!;
    counts[level] = (counts[level] ?? 0) + perCode[code]!;
  }
}

/** R with a zero column inserted at `at` and a zero row at the bottom: the factor of A with that column. */
function insertZeroColumn(state: QrState, at: number): QrState {
  const w = state.width;
  const full = (i: number, j: number): number => (j < i ? 0 : state.r[i * w - (i * (i - 1)) / 2 + (j - i)]!);
  const r: number[] = [];
  for (let i = 0; i <= w; i++)
    for (let j = i; j <= w; j++) {
      if (i === w || j === at) r.push(0);
      else r.push(full(i, j < at ? j : j - 1));
    }
  const grow = (list: (number | null)[]): (number | null)[] => [
    ...list.slice(0, at),
    state.rows > 0 ? 0 : null,
    ...list.slice(at),
  ];
  return { ...state, format: QR_STATE_FORMAT, width: w + 1, r, min: grow(state.min), max: grow(state.max) };
}

// ---------------------------------------------------------------------------------------------
// finishing: merged statistics -> pipeline -> T -> factors of the final design
// ---------------------------------------------------------------------------------------------

/** The final design's fold factors, ready for the search and the final fit. */
export interface FinishedDesign {
  pipeline: Pipeline;
  warnings: string[];
  /** One accumulator per fold over [1?, terms…, y] of the final (scaled, imputed) design. */
  folds: QrAccumulator[];
  foldTargets: FoldTarget[];
  trainingRows: number;
  missingTarget: number;
  unscorable: number;
}

/** In-process extras of an accumulator that a JSON state does not carry (median values). */
export interface DesignPart {
  state: DesignState;
  medianValues?: (number[] | null)[];
}

/**
 * The pipeline and the final design's fold factors from the accumulators of disjoint rows (one
 * for a single run, one per shard). Median imputation needs every value: it is only possible
 * with a single part that carries them.
 */
export function finishDesign(
  parts: readonly DesignPart[],
  features: readonly ResolvedFeature[],
  options: { intercept: boolean; standardise: boolean; source: string },
): FinishedDesign {
  if (parts.length === 0) throw new Error("no design to finish");
  const folds = parts[0]!.state.folds.length;
  const warnings: string[] = [];
  const steps = features.map((f, k): FeatureStep => {
    try {
      if (f.kind === "category")
        return finishCategory(
          f,
          parts.map((p) => p.state.stats[k] as CategoryFeatureStats),
          options.intercept,
          warnings,
        );
      const values = parts.length === 1 ? (parts[0]!.medianValues?.[k] ?? null) : null;
      if (f.impute === "median" && values === null)
        throw new InputError({
          file: options.source,
          field: f.name,
          message: `feature "${f.name}" is imputed with its median, which sharded training cannot merge exactly`,
          hint: "use impute: mean, constant or most_frequent for this feature, or train without shards",
        });
      return finishNumeric(
        f,
        mergeNumeric(parts.map((p) => p.state.stats[k] as NumericFeatureStats)),
        values,
        warnings,
      );
    } catch (e) {
      if (!(e instanceof AllMissingError)) throw e;
      throw new InputError({
        file: options.source,
        field: e.feature,
        message: e.message,
        hint: "remove the feature from the model spec, or fill the column in the data",
      });
    }
  });
  const pipeline: Pipeline = {
    features: steps,
    intercept: options.intercept,
    standardise: options.standardise,
  };

  const offset = options.intercept ? 1 : 0;
  const termCount = steps.reduce((s, f) => s + f.terms.length, 0);
  const width = offset + termCount + 1;
  const finals = Array.from({ length: folds }, () => new QrAccumulator(width));
  const foldRows = new Array<number>(folds).fill(0);
  for (const part of parts) {
    const t = transformOf(part.state, features, pipeline, width);
    part.state.folds.forEach((qr, f) => {
      foldRows[f]! += qr.rows;
      addTransformed(finals[f]!, qr, t);
    });
  }
  const { min, max } = finalRanges(
    parts.map((p) => p.state),
    pipeline,
    width,
  );
  const merged = finals.map((acc, f) => {
    const state = acc.toJSON();
    const rows = foldRows[f]!;
    return QrAccumulator.fromJSON({
      ...state,
      rows,
      weightSum: rows,
      min: rows > 0 ? min : state.min.map(() => null),
      max: rows > 0 ? max : state.max.map(() => null),
    });
  });
  const foldTargets = Array.from({ length: folds }, (_, f) =>
    parts.map((p) => p.state.foldTargets[f]!).reduce(mergeMoments, { n: 0, mean: 0, m2: 0 }),
  );
  const sum = (pick: (s: DesignState) => number) => parts.reduce((s, p) => s + pick(p.state), 0);
  return {
    pipeline,
    warnings,
    folds: merged,
    foldTargets,
    trainingRows: foldRows.reduce((a, b) => a + b, 0),
    missingTarget: sum((s) => s.missingTarget),
    unscorable: sum((s) => s.unscorable),
  };
}

/** Chan et al.'s pairwise update of count, mean and M2. */
export function mergeMoments(a: FoldTarget, b: FoldTarget): FoldTarget {
  if (a.n === 0) return { ...b };
  if (b.n === 0) return { ...a };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

function mergeNumeric(list: readonly NumericFeatureStats[]): NumericFeatureStats {
  const first = list[0]!;
  if (list.length === 1) return first;
  const degree = first.mean.length;
  const out: NumericFeatureStats = {
    kind: "numeric",
    observed: 0,
    missing: 0,
    mean: new Array<number>(degree).fill(0),
    m2: new Array<number>(degree).fill(0),
    counts: first.counts ? [] : null,
  };
  const counts = new Map<number, number>();
  for (const s of list) {
    for (let d = 0; d < degree; d++) {
      const m = mergeMoments(
        { n: out.observed, mean: out.mean[d]!, m2: out.m2[d]! },
        { n: s.observed, mean: s.mean[d]!, m2: s.m2[d]! },
      );
      out.mean[d] = m.mean;
      out.m2[d] = m.m2;
    }
    out.observed += s.observed;
    out.missing += s.missing;
    for (const [v, c] of s.counts ?? []) counts.set(v, (counts.get(v) ?? 0) + c);
  }
  if (out.counts) out.counts = [...counts.entries()];
  return out;
}

// PipelineLearner.finish's steps over merged statistics; a test holds them to the learner's results.

function finishNumeric(
  f: Extract<ResolvedFeature, { kind: "numeric" }>,
  s: NumericFeatureStats,
  values: number[] | null,
  warnings: string[],
): NumericFeature {
  if (s.observed === 0 && s.missing > 0) throw new AllMissingError(f.name, s.missing);
  const fill = numericFill(f, s.observed > 0 ? s.mean[0]! : 0, values, s.counts);
  return numericStep(f, s, fill, warnings);
}

function finishCategory(
  f: Extract<ResolvedFeature, { kind: "category" }>,
  list: readonly CategoryFeatureStats[],
  intercept: boolean,
  warnings: string[],
): CategoryFeature {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const s of list) {
    missing += s.missing;
    for (const [level, c] of Object.entries(s.counts)) counts.set(level, (counts.get(level) ?? 0) + c);
  }
  return categoryStep(f, counts, missing, intercept, warnings);
}

/** Sparse T: per final column, the raw columns and their coefficients. */
type Transform = { column: number; coefficient: number }[][];

function binomial(n: number, k: number): number {
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return b;
}

/** T of one accumulator's basis: final column j = Σ coefficient · raw column. */
function transformOf(
  state: DesignState,
  features: readonly ResolvedFeature[],
  pipeline: Pipeline,
  width: number,
): Transform {
  const t: Transform = Array.from({ length: width }, () => []);
  const rawWidth = state.folds[0]!.width;
  let at = 1;
  const numericAt: number[] = [];
  const missingAt: number[] = [];
  for (const f of features) {
    numericAt.push(f.kind === "numeric" ? at : -1);
    if (f.kind === "numeric") at += f.degree + 1;
  }
  for (const f of features) missingAt.push(f.kind === "category" ? at++ : -1);
  const levelAt = new Map<string, number>();
  state.basis.levels.forEach(([k, level], i) => levelAt.set(`${k}\u0000${level}`, at + i));
  let j = 0;
  if (pipeline.intercept) t[j++]!.push({ column: 0, coefficient: 1 });
  pipeline.features.forEach((step, k) => {
    if (step.kind === "numeric") {
      const c = state.basis.shifts[k] ?? 0;
      const start = numericAt[k]!;
      const fill = step.fill ?? 0;
      for (let p = 1; p <= step.degree; p++, j++) {
        const scaled = pipeline.standardise;
        const s = scaled && step.std[p - 1]! > 0 ? step.std[p - 1]! : 1;
        const list = t[j]!;
        // x^p = Σ_{i≥1} C(p,i) c^(p-i) (x-c)^i + c^p where observed; fill^p where missing.
        for (let i = 1; i <= p; i++)
          list.push({ column: start + i - 1, coefficient: (binomial(p, i) * c ** (p - i)) / s });
        list.push({ column: 0, coefficient: (c ** p - (scaled ? step.mean[p - 1]! : 0)) / s });
        list.push({ column: start + features[k]!.degree, coefficient: (fill ** p - c ** p) / s });
      }
    } else {
      for (const term of step.terms) {
        const level = term.slice(step.name.length + 1);
        const list = t[j++]!;
        const column = levelAt.get(`${k}\u0000${level}`);
        if (column !== undefined) list.push({ column, coefficient: 1 });
        if (step.fill === level) list.push({ column: missingAt[k]!, coefficient: 1 });
      }
    }
  });
  t[j]!.push({ column: rawWidth - 1, coefficient: 1 }, { column: 0, coefficient: state.basis.yShift ?? 0 });
  return t;
}

/** Adds the rows of R·T (R the raw factor of `qr`) to `target`. */
function addTransformed(target: QrAccumulator, qr: QrState, t: Transform): void {
  if (qr.rows === 0) return;
  const w = qr.width;
  const r = new Float64Array(w * w);
  let k = 0;
  for (let i = 0; i < w; i++) for (let j = i; j < w; j++) r[i * w + j] = qr.r[k++]!;
  const out = new Float64Array(t.length);
  for (let i = 0; i < w; i++) {
    let any = false;
    for (let j = 0; j < t.length; j++) {
      let s = 0;
      for (const { column, coefficient } of t[j]!) if (column >= i) s += r[i * w + column]! * coefficient;
      out[j] = s;
      if (s !== 0) any = true;
    }
    if (any) target.addRow(out);
  }
}

/** Ranges of the final design's columns over the factored rows of every part. */
function finalRanges(
  states: readonly DesignState[],
  pipeline: Pipeline,
  width: number,
): { min: number[]; max: number[] } {
  const min = new Array<number>(width).fill(0);
  const max = new Array<number>(width).fill(0);
  let j = 0;
  if (pipeline.intercept) {
    min[0] = 1;
    max[0] = 1;
    j = 1;
  }
  const rows = states.reduce((s, st) => s + st.folds.reduce((a, q) => a + q.rows, 0), 0);
  pipeline.features.forEach((step, k) => {
    if (step.kind === "numeric") {
      const missing = states.reduce((s, st) => s + (st.ranges[k] as NumericRange).missing, 0);
      let fillPower = step.fill ?? 0;
      for (let p = 0; p < step.degree; p++, j++) {
        if (p > 0) fillPower *= step.fill ?? 0;
        let lo = Infinity;
        let hi = -Infinity;
        for (const st of states) {
          const r = st.ranges[k] as NumericRange;
          if (r.min[p] !== null && r.min[p]! < lo) lo = r.min[p]!;
          if (r.max[p] !== null && r.max[p]! > hi) hi = r.max[p]!;
        }
        if (missing > 0 && step.fill !== null) {
          lo = Math.min(lo, fillPower);
          hi = Math.max(hi, fillPower);
        }
        const scale = (v: number): number => {
          if (!pipeline.standardise) return v;
          const m = step.mean[p]!;
          const s = step.std[p]!;
          return s > 0 ? (v - m) / s : v - m;
        };
        min[j] = Number.isFinite(lo) ? scale(lo) : 0;
        max[j] = Number.isFinite(hi) ? scale(hi) : 0;
      }
    } else {
      const missing = states.reduce((s, st) => s + (st.ranges[k] as CategoryRange).missing, 0);
      for (const term of step.terms) {
        const level = term.slice(step.name.length + 1);
        let count = states.reduce((s, st) => s + ((st.ranges[k] as CategoryRange).counts[level] ?? 0), 0);
        if (step.fill === level) count += missing;
        min[j] = count === rows && rows > 0 ? 1 : 0;
        max[j] = count > 0 ? 1 : 0;
        j++;
      }
    }
  });
  const ys = states.filter((s) => s.yMin !== null);
  min[j] = ys.length ? Math.min(...ys.map((s) => s.yMin!)) : 0;
  max[j] = ys.length ? Math.max(...ys.map((s) => s.yMax!)) : 0;
  return { min, max };
}
