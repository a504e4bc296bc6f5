/**
 * Permutation importance, for any model: how much the primary metric worsens on the test rows
 * when one feature's values are shuffled among them, breaking its link with the target while
 * keeping its distribution. Model-agnostic (it only scores rows), so it explains ONNX models the
 * way contributions explain the built-in linear ones.
 *
 * One extra pass over the data: for each batch, each feature's values are shuffled among the
 * batch's scored test rows (seeded), the rows scored, and the values put back. The worsening is
 * the paired difference of the metric (shuffled minus intact) with a bootstrap interval over the
 * test rows, as for champion against challenger. Shuffling within a batch (not across the whole
 * test side) keeps memory flat; on a file sorted by a feature it understates that feature.
 */
import { compareModels } from "../compare/compare-models.js";
import type { BatchScorer } from "../model/fitted-model.js";
import type { MetricName } from "../project/schemas.js";
import { createRandom } from "../random.js";
import type { BootstrapOptions } from "../evaluate/bootstrap.js";
import type { MetricOptions } from "../evaluate/metric-types.js";
import { TEST, type RowBatch } from "../data/row-batch.js";
import { NumberColumn } from "../evaluate/score-test-rows.js";

/** One feature's importance: the metric's change when it is shuffled, with its interval. */
export interface FeatureImportance {
  feature: string;
  metric: MetricName;
  /** Shuffled minus intact, in the metric's units (positive: worse for a lower-is-better metric). */
  change: number | null;
  ci: { lower: number; upper: number } | null;
}

export interface PermutationInput {
  batches: AsyncIterable<RowBatch>;
  columnNames: readonly string[];
  target: (batch: RowBatch, i: number) => number;
  scorer: BatchScorer;
  features: readonly string[];
  metric: MetricName;
  bootstrap: BootstrapOptions;
  metricOptions?: MetricOptions;
  seed?: number;
}

/** Swaps rows a and b of a column in place. */
function swap(batch: RowBatch, column: number, a: number, b: number): void {
  const col = batch.columns[column]!;
  if (col.kind === "numeric") {
    const v = col.values[a]!;
    col.values[a] = col.values[b]!;
    col.values[b] = v;
  } else if (col.kind === "category") {
    const v = col.codes[a]!;
    col.codes[a] = col.codes[b]!;
    col.codes[b] = v;
  } else {
    const v = col.values[a]!;
    col.values[a] = col.values[b]!;
    col.values[b] = v;
  }
}

/** Permutation importance of `features` for the model behind `scorer`, on the test rows. */
export async function permutationImportance(input: PermutationInput): Promise<FeatureImportance[]> {
  const random = createRandom(input.seed ?? 1);
  const columns = input.features.map((f) => input.columnNames.indexOf(f));
  const actual = new NumberColumn();
  const intact = new NumberColumn();
  const shuffled = input.features.map(() => new NumberColumn());
  let picked = new Int32Array(0);
  let targets = new Float64Array(0);
  let base = new Float64Array(0);
  let moved = input.features.map(() => new Float64Array(0));
  for await (const batch of input.batches) {
    if (picked.length < batch.length) {
      picked = new Int32Array(batch.length);
      targets = new Float64Array(batch.length);
      base = new Float64Array(batch.length);
      moved = input.features.map(() => new Float64Array(batch.length));
    }
    let count = 0;
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TEST) continue;
      const y = input.target(batch, i);
      if (Number.isNaN(y)) continue;
      picked[count] = i;
      targets[count++] = y;
    }
    if (count === 0) continue;
    await input.scorer.scoreBatch(batch, picked, count, base);
    for (let f = 0; f < columns.length; f++) {
      const column = columns[f]!;
      if (column < 0) {
        // Not a column of the data: nothing to shuffle (its importance is null below).
        moved[f]!.set(base.subarray(0, count));
        continue;
      }
      // Fisher-Yates over the picked rows, recorded so the swaps can be undone in reverse.
      const swaps: [number, number][] = [];
      for (let t = count - 1; t > 0; t--) {
        const u = random.nextInt(t + 1);
        if (u === t) continue;
        swap(batch, column, picked[t]!, picked[u]!);
        swaps.push([picked[t]!, picked[u]!]);
      }
      await input.scorer.scoreBatch(batch, picked, count, moved[f]!);
      for (let k = swaps.length - 1; k >= 0; k--) swap(batch, column, swaps[k]![0], swaps[k]![1]);
    }
    for (let t = 0; t < count; t++) {
      if (Number.isNaN(base[t]!) || moved.some((m) => Number.isNaN(m[t]!))) continue;
      actual.push(targets[t]!);
      intact.push(base[t]!);
      moved.forEach((m, f) => shuffled[f]!.push(m[t]!));
    }
  }
  const y = actual.values();
  const p = intact.values();
  return input.features.map((feature, f) => {
    if (y.length === 0 || columns[f]! < 0) return { feature, metric: input.metric, change: null, ci: null };
    const d = compareModels(
      [input.metric],
      y,
      p,
      shuffled[f]!.values(),
      input.bootstrap,
      input.metricOptions,
    )[input.metric]!;
    return { feature, metric: input.metric, change: d.difference, ci: d.ci };
  });
}
