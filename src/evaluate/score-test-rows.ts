/**
 * The scoring pass: every test row scored by the challenger and, where there is one, the
 * champion, on exactly the same rows. Keeps two or three numbers per test row (actual and
 * predictions) plus a group code per slice column; everything else streams.
 */
import { TEST, type ColumnVector, type RowBatch } from "../data/row-batch.js";
import type { SliceSpec } from "../project/schemas.js";
import type { BatchScorer } from "../model/fitted-model.js";

/**
 * Floats in shared memory: the bootstrap's worker thread reads the scored rows without a copy
 * (flat memory however many test rows there are).
 */
function sharedFloats(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** A growable Float64Array: test rows arrive in batches of unknown count. */
export class NumberColumn {
  private data: Float64Array;
  length = 0;
  /** `capacity`: the values expected, when known (no growing, no spare room). */
  constructor(capacity = 1024) {
    this.data = sharedFloats(Math.max(1, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = sharedFloats(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** The values, without copying (a view of the first `length` entries). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** A slice column: each test row's group, as an index into `groups`. */
export interface SliceCodes {
  column: string;
  groups: string[];
  codes: Int32Array;
}

export interface ScoredTestRows {
  actual: Float64Array;
  challenger: Float64Array;
  /** Null without a comparable champion. */
  champion: Float64Array | null;
  slices: SliceCodes[];
  /**
   * Per challenger feature, the sum over test rows of |contribution| (for explanations); empty
   * when the challenger reports no contributions.
   */
  absContribution: Map<string, number>;
  /** Test rows left out: target missing, or a prediction impossible (missing feature without imputation). */
  skipped: { missingTarget: number; unscorable: number };
}

/** Binning of a slice column, learnt from the spec. */
function sliceGrouper(
  slice: SliceSpec,
  col: ColumnVector,
): { groups: string[]; code: (i: number) => number } {
  const groups: string[] = [];
  const index = new Map<string, number>();
  const codeOf = (label: string) => {
    let c = index.get(label);
    if (c === undefined) {
      c = groups.length;
      groups.push(label);
      index.set(label, c);
    }
    return c;
  };
  const edges = typeof slice === "string" ? undefined : slice.edges;
  if (col.kind === "numeric") {
    const sorted = edges ? [...edges].sort((a, b) => a - b) : undefined;
    const labels = sorted
      ? [
          `< ${sorted[0]}`,
          ...sorted.slice(1).map((e, k) => `${sorted[k]} to < ${e}`),
          `≥ ${sorted[sorted.length - 1]}`,
        ]
      : undefined;
    return {
      groups,
      code(i) {
        const v = col.values[i]!;
        if (Number.isNaN(v)) return codeOf("(missing)");
        if (!sorted || !labels)
          return codeOf(String(col.type === "date" ? new Date(v).toISOString().slice(0, 10) : v));
        let b = 0;
        while (b < sorted.length && v >= sorted[b]!) b++;
        return codeOf(labels[b]!);
      },
    };
  }
  if (col.kind === "category")
    return { groups, code: (i) => codeOf(col.codes[i]! < 0 ? "(missing)" : col.levels[col.codes[i]!]!) };
  return { groups, code: (i) => codeOf(col.values[i] ?? "(missing)") };
}

/**
 * Streams the data once and scores its test rows. `target(batch, i)` gives a row's target as a
 * number (NaN when missing): the caller decides how a classification target maps to 0/1.
 */
export async function scoreTestRows(input: {
  batches: AsyncIterable<RowBatch>;
  columnNames: readonly string[];
  target: (batch: RowBatch, i: number) => number;
  challenger: BatchScorer;
  champion: BatchScorer | null;
  slices: readonly SliceSpec[];
  /** The test rows the batches hold, when known: the columns are made that size at once. */
  testRows?: number;
}): Promise<ScoredTestRows> {
  const actual = new NumberColumn(input.testRows);
  const challenger = new NumberColumn(input.testRows);
  const champion = input.champion ? new NumberColumn(input.testRows) : null;
  const sliceNames = input.slices.map((s) => (typeof s === "string" ? s : s.column));
  const sliceCodes = sliceNames.map(() => [] as number[]);
  const sliceGroups: string[][] = sliceNames.map(() => []);
  // Explanations: the challenger's per-feature contributions, when it can give them.
  const features = input.challenger.contributionFeatures ?? [];
  const abs = new Float64Array(features.length);
  let picked = new Int32Array(0);
  let targets = new Float64Array(0);
  let p1 = new Float64Array(0);
  let p0 = new Float64Array(0);
  let byFeature = new Float64Array(0);
  let kept = new Uint8Array(0);
  const skipped = { missingTarget: 0, unscorable: 0 };

  for await (const batch of input.batches) {
    const groupers = input.slices.map((s, k) => {
      const col = batch.columns[input.columnNames.indexOf(sliceNames[k]!)]!;
      return sliceGrouper(s, col);
    });
    // Groupers are rebuilt per batch; map their local codes to one global list per slice.
    const remap = groupers.map(() => new Map<number, number>());
    // The batch's test rows with a target, scored a term at a time by each model.
    if (picked.length < batch.length) {
      picked = new Int32Array(batch.length);
      targets = new Float64Array(batch.length);
      p1 = new Float64Array(batch.length);
      p0 = new Float64Array(batch.length);
      byFeature = new Float64Array(batch.length * features.length);
      kept = new Uint8Array(batch.length);
    }
    let count = 0;
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TEST) continue;
      const y = input.target(batch, i);
      if (Number.isNaN(y)) skipped.missingTarget++;
      else {
        picked[count] = i;
        targets[count++] = y;
      }
    }
    await input.challenger.scoreBatch(batch, picked, count, p1, byFeature);
    await input.champion?.scoreBatch(batch, picked, count, p0);
    let scored = 0;
    for (let t = 0; t < count; t++) {
      kept[t] = Number.isNaN(p1[t]!) || (input.champion && Number.isNaN(p0[t]!)) ? 0 : 1;
      scored += kept[t]!;
    }
    skipped.unscorable += count - scored;
    // A feature's contribution is the sum over its terms (one-hot levels, powers).
    for (let f = 0; f < features.length; f++) {
      let sum = abs[f]!;
      for (let t = 0, at = f * count; t < count; t++, at++)
        if (kept[t] === 1) sum += Math.abs(byFeature[at]!);
      abs[f] = sum;
    }
    for (let t = 0; t < count; t++) {
      if (kept[t] === 0) continue;
      actual.push(targets[t]!);
      challenger.push(p1[t]!);
      champion?.push(p0[t]!);
      const i = picked[t]!;
      groupers.forEach((g, k) => {
        const local = g.code(i);
        let global = remap[k]!.get(local);
        if (global === undefined) {
          const label = g.groups[local]!;
          global = sliceGroups[k]!.indexOf(label);
          if (global < 0) global = sliceGroups[k]!.push(label) - 1;
          remap[k]!.set(local, global);
        }
        sliceCodes[k]!.push(global);
      });
    }
  }
  const absContribution = new Map<string, number>();
  // An expanded date has a step per part, all named after the date: its parts add up.
  features.forEach((f, k) => absContribution.set(f, (absContribution.get(f) ?? 0) + abs[k]!));
  return {
    actual: actual.values(),
    challenger: challenger.values(),
    champion: champion?.values() ?? null,
    slices: sliceNames.map((column, k) => ({
      column,
      groups: sliceGroups[k]!,
      codes: Int32Array.from(sliceCodes[k]!),
    })),
    absContribution,
    skipped,
  };
}
