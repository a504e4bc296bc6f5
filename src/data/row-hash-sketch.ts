/**
 * A bounded sketch of the rows of a data set, to tell later which rows were added and which
 * removed: the `size` smallest row hashes seen (a bottom-k, or KMV, sketch), each with the number
 * of rows that have it. The hash is the stable split's (SPLIT.md): of the key columns when the
 * data spec has a key, else of the whole row, so the same row has the same hash from CSV, JSON or
 * Parquet, and no extra hashing is done to draw it.
 *
 * Why it works: the hashes are uniform, so the rows whose hash lies below a bound are a uniform
 * random sample of the distinct rows, and below the smaller of two sketches' largest hashes both
 * sketches hold every hash of their data set. Comparing the two there (`compareRowHashes`) counts
 * added and removed rows exactly in that sample; scaled up, the shares' standard error is about
 * sqrt(s (1 - s) / m) for a share s and m distinct rows compared (m is about `size` once both
 * data sets have more distinct rows than that). A data set with at most `size` distinct rows is
 * held whole, and then the counts are exact (up to a collision of 53-bit hashes: about n² / 2⁵⁴,
 * one in 18,000 for a million rows).
 */

/** Rows kept by default: 4096 hashes, about 70 kB of JSON. */
export const ROW_SKETCH_SIZE = 4096;

/** What a sketch's hashes were taken of. Two sketches compare only when these agree. */
export interface RowHashBasis {
  /** `key`: the data spec's key columns; `row`: every column of the spec. */
  by: "key" | "row";
  /** The hashed columns, in hashing order. */
  columns: string[];
  /** The split's salt, which every hash includes. */
  salt: string;
}

/** The sketch as plain JSON (stored in a profile). */
export interface RowHashes extends RowHashBasis {
  /** Capacity: at most this many hashes are kept. */
  size: number;
  /** The smallest row hashes seen, ascending, as integers below 2^53 (the split position times 2^53). */
  hashes: number[];
  /** Rows with each hash (same order). */
  counts: number[];
}

const TWO_POW_53 = 9007199254740992;

/**
 * Collects the smallest row hashes of a read. Feed it split positions (in [0, 1)) at or below
 * {@link limit}. Positions wait in a buffer and are merged into the kept ones when it fills, so
 * the per-row cost is one comparison and, for the few rows below the limit, one store.
 */
export class RowHashSketch {
  /** The kept positions, ascending and distinct, with their row counts. */
  private kept = new Float64Array(0);
  private keptCounts = new Float64Array(0);
  private readonly buffer: Float64Array;
  private buffered = 0;
  /** Positions above this cannot enter; Infinity until the sketch is full. */
  limit = Infinity;

  constructor(
    readonly basis: RowHashBasis,
    readonly size = ROW_SKETCH_SIZE,
  ) {
    if (!(size >= 1)) throw new Error("a row sketch keeps at least one hash");
    this.buffer = new Float64Array(Math.max(size, 1024));
  }

  /** Adds a split position at or below {@link limit}; returns the limit, lower after a merge. */
  add(position: number): number {
    this.buffer[this.buffered++] = position;
    if (this.buffered === this.buffer.length) this.merge();
    return this.limit;
  }

  /** Merges the buffer into the kept positions: the `size` smallest distinct ones stay. */
  private merge(): void {
    const incoming = this.buffer.subarray(0, this.buffered).sort();
    this.buffered = 0;
    const size = this.size;
    const kept = this.kept;
    const keptCounts = this.keptCounts;
    const hashes = new Float64Array(Math.min(size, kept.length + incoming.length));
    const counts = new Float64Array(hashes.length);
    let n = 0;
    let i = 0;
    let j = 0;
    while (i < kept.length || j < incoming.length) {
      let h: number;
      let c: number;
      if (j >= incoming.length || (i < kept.length && kept[i]! <= incoming[j]!)) {
        h = kept[i]!;
        c = keptCounts[i++]!;
      } else {
        h = incoming[j++]!;
        c = 1;
      }
      if (n > 0 && hashes[n - 1] === h) counts[n - 1]! += c;
      else if (n < size) {
        hashes[n] = h;
        counts[n++] = c;
      } else break;
    }
    this.kept = hashes.subarray(0, n);
    this.keptCounts = counts.subarray(0, n);
    if (n >= size) this.limit = hashes[n - 1]!;
  }

  /** The sketch as JSON. */
  result(): RowHashes {
    if (this.buffered > 0) this.merge();
    return {
      ...this.basis,
      columns: [...this.basis.columns],
      size: this.size,
      hashes: Array.from(this.kept, (p) => p * TWO_POW_53),
      counts: Array.from(this.keptCounts),
    };
  }
}

/** Whether a sketch dropped hashes (then it holds a sample of the rows, not all of them). */
export function sketchIsFull(s: RowHashes): boolean {
  return s.hashes.length >= s.size;
}

/**
 * The sketch of two data sets read as one (shards of one data set): hashes in both add their
 * counts; the `size` smallest are kept (the smaller size of the two).
 *
 * @throws Error when the sketches hashed different columns or salts.
 */
export function mergeRowHashes(a: RowHashes, b: RowHashes): RowHashes {
  if (basisDiffers(a, b) !== null) throw new Error("row sketches of different hashes cannot be merged");
  const size = Math.min(a.size, b.size);
  const counts = new Map<number, number>();
  a.hashes.forEach((h, i) => counts.set(h, a.counts[i]!));
  b.hashes.forEach((h, i) => counts.set(h, (counts.get(h) ?? 0) + b.counts[i]!));
  // Above the smaller full sketch's largest hash, the other sketch may miss hashes: cut there.
  let bound = Infinity;
  if (sketchIsFull(a)) bound = Math.min(bound, a.hashes[a.hashes.length - 1]!);
  if (sketchIsFull(b)) bound = Math.min(bound, b.hashes[b.hashes.length - 1]!);
  const hashes = [...counts.keys()]
    .filter((h) => h <= bound)
    .sort((x, y) => x - y)
    .slice(0, size);
  return {
    by: a.by,
    columns: [...a.columns],
    salt: a.salt,
    size,
    hashes,
    counts: hashes.map((h) => counts.get(h)!),
  };
}

/** Why two sketches cannot be compared, or null when they can. */
export function basisDiffers(a: RowHashBasis, b: RowHashBasis): string | null {
  if (a.salt !== b.salt) return "the split's salt changed, so every row hashes differently";
  if (a.by !== b.by)
    return a.by === "key" ? "the data spec no longer has a key" : "the data spec gained a key";
  if (a.columns.length !== b.columns.length || a.columns.some((c, i) => c !== b.columns[i]))
    return a.by === "key"
      ? "the data spec's key columns changed"
      : "the data spec's columns changed, and rows without a key are hashed whole";
  return null;
}

/** Rows added and removed between two data sets, from their sketches. */
export interface RowChange {
  /** Rows of the new data set whose hash the old one lacks (or has fewer times). */
  added: number;
  /** Rows of the old data set whose hash the new one lacks (or has fewer times). */
  removed: number;
  /** Whether both sketches held every row: then the counts are exact. */
  exact: boolean;
  /** Distinct rows the estimate rests on (every distinct row of both when exact). */
  compared: number;
  /** Half-width of a 95% interval of `added` and of `removed` (0 when exact). */
  addedMargin: number;
  removedMargin: number;
}

/**
 * Compares two sketches of the same basis (see {@link basisDiffers}): below the smaller of the
 * two full sketches' largest hashes both hold every hash of their data set; there the rows are
 * counted exactly (a hash counted c times before and d times after: max(0, d - c) added,
 * max(0, c - d) removed), and the counts scaled by the rows of each data set. Without a full
 * sketch nothing is scaled and the result is exact.
 *
 * @param before the old data set's sketch and rows; @param after the new one's.
 */
export function compareRowHashes(
  before: { sketch: RowHashes; rows: number },
  after: { sketch: RowHashes; rows: number },
): RowChange {
  const a = before.sketch;
  const b = after.sketch;
  let bound = Infinity;
  if (sketchIsFull(a)) bound = Math.min(bound, a.hashes[a.hashes.length - 1]!);
  if (sketchIsFull(b)) bound = Math.min(bound, b.hashes[b.hashes.length - 1]!);
  const countsA = new Map<number, number>();
  a.hashes.forEach((h, i) => {
    if (h <= bound) countsA.set(h, a.counts[i]!);
  });
  let rowsA = 0;
  for (const c of countsA.values()) rowsA += c;
  let rowsB = 0;
  let added = 0;
  let removed = 0;
  const distinct = new Set(countsA.keys());
  b.hashes.forEach((h, i) => {
    if (h > bound) return;
    const d = b.counts[i]!;
    const c = countsA.get(h) ?? 0;
    rowsB += d;
    distinct.add(h);
    if (d > c) added += d - c;
  });
  const countsB = new Map<number, number>();
  b.hashes.forEach((h, i) => countsB.set(h, b.counts[i]!));
  for (const [h, c] of countsA) {
    const d = countsB.get(h) ?? 0;
    if (c > d) removed += c - d;
  }
  const exact = bound === Infinity;
  if (exact) return { added, removed, exact, compared: distinct.size, addedMargin: 0, removedMargin: 0 };
  const scale = (count: number, sampled: number, rows: number) =>
    sampled > 0 ? Math.round((count / sampled) * rows) : 0;
  const margin = (count: number, sampled: number, rows: number) => {
    if (sampled === 0) return rows;
    const s = count / sampled;
    return Math.round(1.96 * Math.sqrt((s * (1 - s)) / sampled) * rows);
  };
  return {
    added: scale(added, rowsB, after.rows),
    removed: scale(removed, rowsA, before.rows),
    exact,
    compared: distinct.size,
    addedMargin: margin(added, rowsB, after.rows),
    removedMargin: margin(removed, rowsA, before.rows),
  };
}
