/**
 * The design accumulator: streams train rows into the fold factors of the augmented raw design
 * and the mergeable statistics of the feature pipeline (design-state.ts says what they hold;
 * finish-design.ts turns them into the final design).
 */
import { TRAIN, type ColumnVector, type RowBatch } from "../data/row-batch.js";
import { addPowers, type ResolvedFeature } from "../train/feature-pipeline.js";
import { featureValue } from "../model/pipeline.js";
import { QrAccumulator, QR_STATE_FORMAT, type QrState } from "../train/least-squares/qr-accumulator.js";
import { foldOf } from "../train/search-space.js";
import {
  DESIGN_STATE_FORMAT,
  type CategoryFeatureStats,
  type CategoryRange,
  type DesignBasis,
  type DesignConfig,
  type DesignState,
  type FoldTarget,
  type NumericFeatureStats,
  type NumericRange,
} from "./design-state.js";

/** Rows written to the fold factors at a time: the QR accumulator's block. */
const CHUNK_ROWS = 128;

/** Streams train rows into the fold factors and the statistics; see design-state.ts. */
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
          const x = featureValue(f.type, raw, f.part);
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
        const x = featureValue(f.type, raw, f.part);
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
      const x = featureValue(f.type, raw, f.part);
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
