/**
 * The profile of a data set, per column, computed in the same streaming pass as the checks. It
 * is what drift monitoring compares new data against, so it is plain JSON, bounded in size
 * whatever the row count, and mergeable where the statistics allow (sharded runs).
 *
 * Numeric columns (number, integer, date as epoch milliseconds, boolean as 1/0):
 * - count, missing, mean, std (sample standard deviation, n - 1), min, max: Welford's update
 *   per value; merged with Chan et al.'s pairwise formula, so `m2` is kept as well.
 * - histogram: bin edges e0 < e1 < ... < ek fixed before a value is counted, counts exact.
 *   counts[0] holds values below e0, counts[i] (1 <= i <= k) values in [e(i-1), e(i)) with the
 *   last of these closed, [e(k-1), e(k)], and counts[k+1] values above e(k). The edges come from
 *   (1) the caller (`edges`, e.g. a reference profile's, so new data counts into the same bins),
 *   else (2) the spec's `min` and `max` when both are set: `bins` equal widths, else (3) the
 *   quantiles 0, 1/bins, ..., 1 of the first `edgeSample` values of the column, deduplicated
 *   (a column with one value gets edges [v, v]); those first values are held until the edges
 *   are chosen and then counted like all others, so counts stay exact in one pass. A file sorted
 *   by the column gets edges from its head only; the outer bins still count everything.
 * - sample: a uniform sample without replacement of up to `sampleSize` values (reservoir,
 *   Li's algorithm L) drawn with a seeded generator, the same for the same file and seed.
 *   Booleans have no histogram or sample; their `categories` count "true" and "false".
 *
 * category and string columns: counts of the `topCategories` most frequent values (ties in
 * order of first sight), `other` for the rest, and the number of distinct values. Up to
 * `maxTracked` distinct values are counted exactly; values first seen after that count as
 * `other` and `distinctExact` turns false.
 */
import type { ColumnType, DataSpec } from "../project/schemas.js";
import { uniformOpen } from "../random.js";
import { parseIsoDate } from "./parse-values.js";
import type { ColumnVector, RowBatch } from "./row-batch.js";

export interface NumericStats {
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
  /** Sum of squared deviations from the mean (for merging). */
  m2: number;
}

export interface Histogram {
  edges: number[];
  /** edges.length + 1 counts: below, the bins, above. */
  counts: number[];
  edgesFrom: "given" | "spec" | "data";
}

export interface Sample {
  seed: number;
  /** Values the sample was drawn from. */
  population: number;
  values: number[];
}

export interface CategoryCounts {
  top: { value: string; count: number }[];
  other: number;
  distinct: number;
  distinctExact: boolean;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Values present. */
  count: number;
  missing: number;
  stats?: NumericStats;
  histogram?: Histogram;
  sample?: Sample;
  categories?: CategoryCounts;
}

export interface DataProfile {
  version: 1;
  rows: number;
  columns: ColumnProfile[];
}

/** How profiles are drawn. All have defaults. */
export interface ProfileOptions {
  /** Seed of the samples. Default 1. */
  seed?: number;
  /** Values kept per numeric column for KS tests. Default 2000. */
  sampleSize?: number;
  /** Bins between the outer edges. Default 10. */
  bins?: number;
  /** Values that choose quantile edges when neither `edges` nor spec min/max give them. Default 10000. */
  edgeSample?: number;
  /** Bin edges to use, by column name. */
  edges?: Record<string, number[]>;
  /** Values listed per category or string column. Default 50. */
  topCategories?: number;
  /** Distinct values counted exactly per category or string column. Default 10000. */
  maxTracked?: number;
}

/** Only the {@link ProfileOptions} of `options` (plain data, as a worker thread can receive). */
export function profileOptionsOf(options: ProfileOptions): ProfileOptions {
  const { seed, sampleSize, bins, edgeSample, edges, topCategories, maxTracked } = options;
  const picked: ProfileOptions = { seed, sampleSize, bins, edgeSample, edges, topCategories, maxTracked };
  for (const key of Object.keys(picked) as (keyof ProfileOptions)[]) {
    if (picked[key] === undefined) delete picked[key];
  }
  return picked;
}

/** Index of the histogram count for `v` (see the module comment for the bin rules). */
export function binIndex(edges: readonly number[], v: number): number {
  const k = edges.length - 1;
  if (v < edges[0]!) return 0;
  if (v > edges[k]!) return k + 1;
  let lo = 0;
  let hi = k - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid]! <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * {@link binIndex} in about constant time, with few unpredictable branches. The range of the
 * edges is cut into equal cells; each slot (a cell, or below or past the range) remembers the
 * bin of the lowest value that can land in it, rounding included, and the one threshold within
 * its reach, if there is one: a value's bin is then that bin, plus one at or past the threshold.
 * A slot within reach of two thresholds (rare: bins narrower than a few cells) asks
 * {@link binIndex}. Same answers as {@link binIndex} for every value.
 */
export class BinFinder {
  /** Per slot: the first bin a value in it can have, or -1 to ask {@link binIndex}. */
  private readonly base: Int32Array;
  /** Per slot: the value from which its values are in the next bin (+Infinity for none). */
  private readonly threshold: Float64Array;
  private readonly scale: number;
  private readonly lo: number;
  /** The highest cell position a value is clamped to: slot `cells + 2` holds values past the range. */
  private readonly top: number;
  private readonly k: number;
  /** Scratch of {@link count}: per-lane counts, and the rows it places after its loop. */
  private readonly lanes: Int32Array;
  private later = new Int32Array(0);

  constructor(private readonly edges: readonly number[]) {
    const k = edges.length - 1;
    const lo = edges[0]!;
    const hi = edges[k]!;
    this.k = k;
    this.lo = lo;
    const cells = CELLS;
    this.top = cells + 1;
    const width = (hi - lo) / cells;
    this.scale = width > 0 && Number.isFinite(width) ? 1 / width : 0;
    this.lanes = new Int32Array(2 * (k + 2));
    // Slot 0: below the range (the sign of v - lo is exact). Slot c + 1: cell c. Slot cells + 2:
    // past the range.
    const slots = cells + 3;
    this.base = new Int32Array(slots).fill(-1);
    this.threshold = new Float64Array(slots).fill(Infinity);
    if (this.scale === 0) return; // one value, or a range too wide: binIndex answers
    // Where each bin ends: the value from which a value is in the next bin (the last bin is closed).
    const ends = [...edges.slice(0, k), nextUp(hi)];
    this.base[0] = 0;
    for (let g = 1; g < slots; g++) {
      // A value lands at most one cell away from its own.
      const c = g - 1;
      const from = c === 0 ? lo : lo + (c - 1) / this.scale;
      const to = g === slots - 1 ? Infinity : lo + (c + 2) / this.scale;
      const first = binIndex(edges, from);
      const last = binIndex(edges, to);
      if (last === first) this.base[g] = first;
      else if (last === first + 1) {
        this.base[g] = first;
        this.threshold[g] = ends[first]!;
      }
    }
  }

  /**
   * Adds each of `values` (none missing) to its bin's count: two values at a time into two lanes
   * of counts, so that equal bins in a row do not wait on each other; the values of slots that
   * ask {@link binIndex} are set aside and placed after the loop, which then has no call.
   */
  count(values: Float64Array, counts: number[]): void {
    const { base, threshold, lanes } = this;
    const stride = this.k + 2;
    const later =
      this.later.length >= values.length ? this.later : (this.later = new Int32Array(values.length));
    let m = 0;
    const pairs = values.length & ~1;
    for (let r = 0; r < pairs; r += 2) {
      const v0 = values[r]!;
      const v1 = values[r + 1]!;
      const g0 = this.slot(v0);
      const g1 = this.slot(v1);
      const b0 = base[g0]!;
      const b1 = base[g1]!;
      if ((b0 | b1) >= 0) {
        lanes[b0 + (v0 >= threshold[g0]! ? 1 : 0)]!++;
        lanes[stride + b1 + (v1 >= threshold[g1]! ? 1 : 0)]!++;
      } else {
        if (b0 < 0) later[m++] = r;
        else lanes[b0 + (v0 >= threshold[g0]! ? 1 : 0)]!++;
        if (b1 < 0) later[m++] = r + 1;
        else lanes[stride + b1 + (v1 >= threshold[g1]! ? 1 : 0)]!++;
      }
    }
    if (pairs < values.length) counts[this.index(values[pairs]!)]!++;
    for (let b = 0; b < stride; b++) {
      counts[b] = counts[b]! + lanes[b]! + lanes[stride + b]!;
      lanes[b] = lanes[stride + b] = 0;
    }
    for (let t = 0; t < m; t++) counts[binIndex(this.edges, values[later[t]!]!)]!++;
  }

  /** The slot of v: 0 below the range (v - lo < 0 exactly), cell c + 1, or past the range. */
  private slot(v: number): number {
    return (Math.floor(Math.min(Math.max((v - this.lo) * this.scale, -1), this.top)) | 0) + 1;
  }

  index(v: number): number {
    const g = this.slot(v);
    const b = this.base[g]!;
    return b < 0 ? binIndex(this.edges, v) : b + (v >= this.threshold[g]! ? 1 : 0);
  }
}

/** The smallest double above x (x finite). */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const bits = new BigInt64Array(Float64Array.of(x).buffer);
  bits[0] = bits[0]! + (x > 0 ? 1n : -1n);
  return new Float64Array(bits.buffer)[0]!;
}

/** Cells of a {@link BinFinder}'s grid: with 10 bins, all but a few hold one bin. */
const CELLS = 1024;

/** Edges from the quantiles of `list` (left as it is). */
export function quantileEdges(list: ArrayLike<number>, bins: number): number[] {
  const values = Float64Array.from(list).sort();
  const edges: number[] = [];
  for (let j = 0; j <= bins; j++) {
    const q = values[Math.min(values.length - 1, Math.floor((j * (values.length - 1)) / bins))]!;
    if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
  }
  if (edges.length === 1) edges.push(edges[0]!);
  return edges;
}

class NumericProfiler {
  count = 0;
  missing = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  edges: number[] | undefined;
  counts: number[] = [];
  /** Until the edges are chosen, the first `edgeSample` values wait here. */
  private pending: Float64Array | undefined;
  private pendingCount = 0;
  /** The values of a batch that are not missing. */
  private present = new Float64Array(0);
  sample: number[] = [];
  private seen = 0;
  private nextPick = -1;
  private w = 0;
  private readonly random: () => number;

  constructor(
    readonly name: string,
    readonly type: ColumnType,
    private readonly sampleSize: number,
    readonly seed: number,
    readonly edgesFrom: Histogram["edgesFrom"],
    edges: number[] | undefined,
    private readonly bins: number,
    private readonly edgeSample: number,
    private readonly withDistribution: boolean,
  ) {
    this.random = uniformOpen(seed);
    if (edges !== undefined) this.useEdges(edges);
  }

  private finder: BinFinder | undefined;

  private useEdges(edges: number[]): void {
    this.edges = edges;
    this.finder = new BinFinder(edges);
    this.counts = new Array<number>(edges.length + 1).fill(0);
  }

  add(values: Float64Array): void {
    // The batch's moments in two passes, merged into the running ones (Chan et al.): as stable
    // as Welford's update and without a division per value.
    let n = 0;
    let sum = 0;
    let min = this.min;
    let max = this.max;
    for (let r = 0; r < values.length; r++) {
      const v = values[r]!;
      if (v !== v) continue;
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    this.missing += values.length - n;
    if (n === 0) return;
    const mean = sum / n;
    let m2 = 0;
    for (let r = 0; r < values.length; r++) {
      const d = values[r]! - mean;
      if (d === d) m2 += d * d;
    }
    const total = this.count + n;
    const delta = mean - this.mean;
    this.mean += (delta * n) / total;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.count = total;
    this.min = min;
    this.max = max;
    if (!this.withDistribution) return;
    // The values that are not missing, in order: the sample visits only the values it keeps
    // (their positions are known ahead), and the bins are counted in one loop.
    const kept = n === values.length ? values : this.presentOf(values, n);
    this.sampleAll(kept);
    let from = 0;
    if (this.finder === undefined) {
      // Until the edges are chosen, values wait in `pending` (the first `edgeSample` of them).
      const pending = (this.pending ??= new Float64Array(Math.max(1, this.edgeSample)));
      from = Math.min(kept.length, pending.length - this.pendingCount);
      pending.set(kept.subarray(0, from), this.pendingCount);
      this.pendingCount += from;
      if (this.pendingCount >= pending.length) this.settleEdges();
    }
    if (this.finder !== undefined && from < kept.length)
      this.finder.count(from === 0 ? kept : kept.subarray(from), this.counts);
  }

  /** The `n` values of `values` that are not missing, in a scratch array. */
  private presentOf(values: Float64Array, n: number): Float64Array {
    if (this.present.length < n) this.present = new Float64Array(Math.max(n, values.length));
    const out = this.present;
    let at = 0;
    for (let r = 0; r < values.length; r++) {
      const v = values[r]!;
      if (v === v) out[at++] = v;
    }
    return out.subarray(0, n);
  }

  /** Offers each of `values` (none missing) to the sample in turn: only the values picked are visited. */
  private sampleAll(values: Float64Array): void {
    const k = this.sampleSize;
    const first = this.seen;
    const end = first + values.length;
    while (this.seen < end && (this.seen < k || this.nextPick < end)) {
      const at = this.seen < k ? this.seen : this.nextPick;
      this.seen = at;
      this.pick(values[at - first]!);
    }
    this.seen = end;
  }

  /** Reservoir sampling, algorithm L (Li 1994): O(k log(n/k)) random draws in all. */
  private pick(v: number): void {
    const k = this.sampleSize;
    const i = this.seen++;
    if (i < k) {
      this.sample.push(v);
      if (i === k - 1) {
        this.w = Math.exp(Math.log(this.random()) / k);
        this.nextPick = i + Math.floor(Math.log(this.random()) / Math.log(1 - this.w)) + 1;
      }
      return;
    }
    if (i === this.nextPick) {
      this.sample[Math.floor(this.random() * k)] = v;
      this.w *= Math.exp(Math.log(this.random()) / k);
      this.nextPick += Math.floor(Math.log(this.random()) / Math.log(1 - this.w)) + 1;
    }
  }

  private settleEdges(): void {
    const values = this.pending?.subarray(0, this.pendingCount);
    this.pending = undefined;
    this.pendingCount = 0;
    if (values === undefined || values.length === 0) return;
    this.useEdges(quantileEdges(values, this.bins));
    this.finder!.count(values, this.counts);
  }

  result(): ColumnProfile {
    const n = this.count;
    const profile: ColumnProfile = {
      name: this.name,
      type: this.type,
      count: n,
      missing: this.missing,
      stats: {
        mean: n > 0 ? this.mean : null,
        std: n > 1 ? Math.sqrt(this.m2 / (n - 1)) : n === 1 ? 0 : null,
        min: n > 0 ? this.min : null,
        max: n > 0 ? this.max : null,
        m2: this.m2,
      },
    };
    if (this.type === "boolean") {
      const trues = Math.round(this.mean * n);
      profile.categories = {
        top: [
          { value: "true", count: trues },
          { value: "false", count: n - trues },
        ],
        other: 0,
        distinct: (trues > 0 ? 1 : 0) + (n - trues > 0 ? 1 : 0),
        distinctExact: true,
      };
    }
    if (this.withDistribution) {
      if (this.edges === undefined) this.settleEdges();
      if (this.edges !== undefined) {
        profile.histogram = {
          edges: this.edges.slice(),
          counts: this.counts.slice(),
          edgesFrom: this.edgesFrom,
        };
      }
      profile.sample = { seed: this.seed, population: n, values: this.sample.slice() };
    }
    return profile;
  }
}

class CountProfiler {
  count = 0;
  missing = 0;
  /** category: counts by code. */
  private byCode: number[] = [];
  private levels: readonly string[] = [];
  /** string: counts by value, bounded. */
  private byText = new Map<string, number>();
  private overflow = 0;
  private capped = false;

  constructor(
    readonly name: string,
    readonly type: ColumnType,
    private readonly top: number,
    private readonly maxTracked: number,
  ) {}

  add(vec: ColumnVector): void {
    if (vec.kind === "category") {
      this.levels = vec.levels;
      const codes = vec.codes;
      const byCode = this.byCode;
      for (let r = 0; r < codes.length; r++) {
        const code = codes[r]!;
        if (code < 0) {
          this.missing++;
          continue;
        }
        this.count++;
        while (byCode.length <= code) byCode.push(0);
        byCode[code]!++;
      }
    } else if (vec.kind === "string") {
      for (const text of vec.values) {
        if (text === null) {
          this.missing++;
          continue;
        }
        this.count++;
        const seen = this.byText.get(text);
        if (seen !== undefined) this.byText.set(text, seen + 1);
        else if (this.byText.size < this.maxTracked) this.byText.set(text, 1);
        else {
          this.overflow++;
          this.capped = true;
        }
      }
    }
  }

  result(): ColumnProfile {
    let entries: { value: string; count: number }[];
    if (this.type === "category") {
      // Several codes can share a label; counts are by label.
      const byLabel = new Map<string, number>();
      this.byCode.forEach((n, code) => {
        if (n > 0) byLabel.set(this.levels[code]!, (byLabel.get(this.levels[code]!) ?? 0) + n);
      });
      entries = [...byLabel].map(([value, count]) => ({ value, count }));
    } else entries = [...this.byText].map(([value, count]) => ({ value, count }));
    const sorted = entries.map((e, i) => ({ ...e, i })).sort((a, b) => b.count - a.count || a.i - b.i);
    const top = sorted.slice(0, this.top).map(({ value, count }) => ({ value, count }));
    const other = this.count - top.reduce((s, e) => s + e.count, 0);
    return {
      name: this.name,
      type: this.type,
      count: this.count,
      missing: this.missing,
      categories: {
        top,
        other,
        distinct: entries.length,
        distinctExact: !this.capped && this.overflow === 0,
      },
    };
  }
}

/**
 * Accumulates a {@link DataProfile} from batches: of every column, or of those `only` marks
 * (the others are then left empty, to be taken from a profiler of the same rows that drew them:
 * {@link joinProfiles}). A column's profile depends on its own values alone.
 */
export class DataProfiler {
  private rows = 0;
  private readonly numeric: (NumericProfiler | undefined)[];
  private readonly counted: (CountProfiler | undefined)[];

  constructor(
    spec: DataSpec,
    options: ProfileOptions = {},
    private readonly only?: readonly boolean[],
  ) {
    const seed = options.seed ?? 1;
    const bins = options.bins ?? 10;
    this.numeric = spec.columns.map((c, i) => {
      if (c.type === "category" || c.type === "string") return undefined;
      let edges = options.edges?.[c.name];
      let from: Histogram["edgesFrom"] = "given";
      if (edges === undefined && c.type !== "boolean") {
        const lo = c.type === "date" ? (c.min === undefined ? NaN : parseIsoDate(c.min)) : (c.min ?? NaN);
        const hi = c.type === "date" ? (c.max === undefined ? NaN : parseIsoDate(c.max)) : (c.max ?? NaN);
        if (Number.isFinite(lo) && Number.isFinite(hi) && hi > lo) {
          edges = Array.from({ length: bins + 1 }, (_, j) => (j === bins ? hi : lo + ((hi - lo) * j) / bins));
          from = "spec";
        } else from = "data";
      }
      return new NumericProfiler(
        c.name,
        c.type,
        options.sampleSize ?? 2000,
        // Each column draws its own sample: mix the column index into the seed.
        (Math.imul(seed, 0x9e3779b1) + i) >>> 0,
        from,
        edges === undefined ? undefined : edges.slice(),
        bins,
        options.edgeSample ?? 10000,
        c.type !== "boolean",
      );
    });
    this.counted = spec.columns.map((c) =>
      c.type === "category" || c.type === "string"
        ? new CountProfiler(c.name, c.type, options.topCategories ?? 50, options.maxTracked ?? 10000)
        : undefined,
    );
  }

  /** Adds a batch (all of its rows, whatever their side). */
  add(batch: RowBatch): void {
    this.rows += batch.length;
    const only = this.only;
    batch.columns.forEach((vec, i) => {
      if (only !== undefined && !only[i]) return;
      if (vec.kind === "numeric") this.numeric[i]!.add(vec.values);
      else this.counted[i]!.add(vec);
    });
  }

  result(): DataProfile {
    return {
      version: 1,
      rows: this.rows,
      columns: this.numeric.map((p, i) => (p !== undefined ? p.result() : this.counted[i]!.result())),
    };
  }
}

/**
 * The profile of the same rows drawn by two profilers, each of some of the columns: column i
 * from `a` where `fromA[i]`, else from `b`.
 */
export function joinProfiles(a: DataProfile, b: DataProfile, fromA: readonly boolean[]): DataProfile {
  return { ...a, columns: a.columns.map((c, i) => (fromA[i] ? c : b.columns[i]!)) };
}

/**
 * The profile of two shards of one data set read with the same spec, as if read together:
 * counts, moments (Chan et al.), min and max, and histograms with the same edges merge exactly;
 * samples merge into a uniform sample of the union (drawn with `seed`); category counts add, but
 * a value that only one shard counted in `other` stays there, so merged top counts are lower
 * bounds unless both shards listed every value (`other` 0).
 *
 * @throws Error when the profiles have different columns or different histogram edges (scan
 *   shards with the same `edges` to merge them).
 */
export function mergeProfiles(a: DataProfile, b: DataProfile, seed = 1): DataProfile {
  if (
    a.columns.length !== b.columns.length ||
    a.columns.some((c, i) => c.name !== b.columns[i]!.name || c.type !== b.columns[i]!.type)
  ) {
    throw new Error("profiles of different columns cannot be merged");
  }
  const random = uniformOpen(seed);
  return {
    version: 1,
    rows: a.rows + b.rows,
    columns: a.columns.map((ca, i) => mergeColumn(ca, b.columns[i]!, random)),
  };
}

function mergeColumn(a: ColumnProfile, b: ColumnProfile, random: () => number): ColumnProfile {
  const out: ColumnProfile = {
    name: a.name,
    type: a.type,
    count: a.count + b.count,
    missing: a.missing + b.missing,
  };
  if (a.stats && b.stats) out.stats = mergeStats(a.stats, a.count, b.stats, b.count);
  if (a.histogram && b.histogram) {
    const same =
      a.histogram.edges.length === b.histogram.edges.length &&
      a.histogram.edges.every((e, i) => e === b.histogram!.edges[i]);
    if (!same) throw new Error(`column "${a.name}": histograms with different edges cannot be merged`);
    out.histogram = { ...a.histogram, counts: a.histogram.counts.map((n, i) => n + b.histogram!.counts[i]!) };
  } else if (a.histogram || b.histogram) out.histogram = structuredClone((a.histogram ?? b.histogram)!);
  if (a.sample && b.sample) out.sample = mergeSamples(a.sample, b.sample, random);
  if (a.categories && b.categories) out.categories = mergeCategories(a.categories, b.categories);
  return out;
}

function mergeStats(a: NumericStats, na: number, b: NumericStats, nb: number): NumericStats {
  const n = na + nb;
  if (na === 0) return { ...b };
  if (nb === 0) return { ...a };
  const delta = b.mean! - a.mean!;
  const mean = a.mean! + (delta * nb) / n;
  const m2 = a.m2 + b.m2 + (delta * delta * na * nb) / n;
  return {
    mean,
    std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
    min: Math.min(a.min!, b.min!),
    max: Math.max(a.max!, b.max!),
    m2,
  };
}

/** Draws without replacement from the union of two uniform samples, as from their populations. */
function mergeSamples(a: Sample, b: Sample, random: () => number): Sample {
  const size = Math.max(a.values.length, b.values.length);
  const pa = shuffled(a.values, random);
  const pb = shuffled(b.values, random);
  let restA = a.population;
  let restB = b.population;
  const values: number[] = [];
  while (values.length < size && (pa.length > 0 || pb.length > 0)) {
    const fromA = pb.length === 0 || (pa.length > 0 && random() * (restA + restB) < restA);
    if (fromA) {
      values.push(pa.pop()!);
      restA--;
    } else {
      values.push(pb.pop()!);
      restB--;
    }
  }
  return { seed: a.seed, population: a.population + b.population, values };
}

function shuffled(values: readonly number[], random: () => number): number[] {
  const out = values.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function mergeCategories(a: CategoryCounts, b: CategoryCounts): CategoryCounts {
  const counts = new Map<string, number>();
  for (const { value, count } of [...a.top, ...b.top]) counts.set(value, (counts.get(value) ?? 0) + count);
  const total = a.top.reduce((s, e) => s + e.count, a.other) + b.top.reduce((s, e) => s + e.count, b.other);
  const keep = Math.max(a.top.length, b.top.length);
  const top = [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, keep);
  const complete = a.other === 0 && b.other === 0 && a.distinctExact && b.distinctExact;
  return {
    top,
    other: total - top.reduce((s, e) => s + e.count, 0),
    distinct: complete ? counts.size : Math.max(a.distinct, b.distinct, counts.size),
    distinctExact: complete,
  };
}
