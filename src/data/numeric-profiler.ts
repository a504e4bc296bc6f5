/**
 * The profile of one numeric column (number, integer, date, boolean as 1/0), drawn in one pass:
 * Welford's moments, a histogram with edges fixed before a value is counted, and a seeded
 * reservoir sample. The rules are in profile-columns.ts.
 */
import type { ColumnType } from "../project/schemas.js";
import { uniformOpen } from "../random.js";
import type { ColumnProfile, Histogram } from "./profile-types.js";
import { BinFinder, quantileEdges } from "./bin-edges.js";

/** Draws the profile of one numeric column. */
export class NumericProfiler {
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
