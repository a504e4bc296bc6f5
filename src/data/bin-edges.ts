/**
 * The histogram bins of a numeric column: the bin of a value (exact binary search, and a grid
 * that answers the same in about constant time), and edges from the quantiles of a sample. The
 * bin rules are in profile-columns.ts.
 */

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
