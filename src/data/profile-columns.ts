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
import { parseIsoDate } from "./parse-values.js";
import type { ColumnVector, RowBatch } from "./row-batch.js";
import type { ColumnProfile, DataProfile, Histogram, ProfileOptions } from "./profile-types.js";
import { NumericProfiler } from "./numeric-profiler.js";

export type * from "./profile-types.js";
export { profileOptionsOf } from "./profile-types.js";
export { BinFinder, binIndex, quantileEdges } from "./bin-edges.js";
export { joinProfiles, mergeProfiles } from "./merge-profiles.js";

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
