import { describe, expect, it } from "vitest";
import { forEachPoissonResample } from "../../src/evaluate/resample-weights.js";
import { resampleStatistics } from "../../src/evaluate/resample-statistics.js";
import { metricDefinition, rowReductionOf } from "../../src/evaluate/metrics.js";
import { orderByScore } from "../../src/evaluate/classification.js";
import { rankScores } from "../../src/evaluate/score-ranking.js";
import { createRandom } from "../../src/random.js";
import type { MetricName } from "../../src/project/schemas.js";

/** Binary targets and probabilities, with ties among the scores when `levels` is given. */
function rows(n: number, seed: number, levels?: number) {
  const r = createRandom(seed);
  const predicted = Float64Array.from({ length: n }, () => {
    const p = r.next();
    return levels === undefined ? p : Math.round(p * levels) / levels;
  });
  const actual = Float64Array.from(predicted, (p) => (r.next() < p ? 1 : 0));
  return { actual, predicted };
}

const RATIOS: MetricName[] = ["log_loss", "brier", "accuracy", "precision", "recall", "f1"];

describe("classification metrics in the bootstrap", () => {
  it("reduce over rows, each resample bit for bit the metric under its weights", () => {
    // Several blocks of rows, the last one short and odd.
    const n = 5001;
    const { actual, predicted } = rows(n, 3);
    const options = { samples: 60, seed: 5 };
    for (const threshold of [0.5, 0.3]) {
      const prepared = RATIOS.map((name) => metricDefinition(name).prepare(actual, predicted, { threshold }));
      for (const p of prepared) expect(rowReductionOf(p)).toBeDefined();
      const direct = prepared.map(() => new Float64Array(options.samples));
      forEachPoissonResample(n, options, (w, b) => prepared.forEach((p, j) => (direct[j]![b] = p(w))));
      // Alone and together (shared channels): the same draws.
      expect(resampleStatistics(n, prepared, options)).toEqual(direct);
      prepared.forEach((p, j) => expect(resampleStatistics(n, [p], options)[0]).toEqual(direct[j]));
    }
  });

  it("leaves AUC and KS to each resample's weights, on one ranking of the scores", () => {
    const { actual, predicted } = rows(3000, 4, 40);
    const auc = metricDefinition("auc").prepare(actual, predicted);
    const ks = metricDefinition("ks").prepare(actual, predicted);
    expect(rowReductionOf(auc)).toBeUndefined();
    expect(rankScores(actual, predicted)).toBe(rankScores(actual, predicted));
    // AUC by its definition: pairs of a positive and a negative, ties counting one half.
    const pos: number[] = [];
    const neg: number[] = [];
    actual.forEach((a, i) => (a === 1 ? pos : neg).push(predicted[i]!));
    let wins = 0;
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    expect(auc()).toBeCloseTo(wins / (pos.length * neg.length), 12);
    // KS by its definition: the largest gap between the two empirical distributions.
    let max = 0;
    for (const t of new Set(predicted)) {
      const below = (xs: number[]) => xs.filter((x) => x <= t).length / xs.length;
      max = Math.max(max, Math.abs(below(pos) - below(neg)));
    }
    expect(ks()).toBeCloseTo(max, 12);
  });
});

describe("orderByScore", () => {
  it("orders rows by score, ties by row index, as a comparison sort does", () => {
    for (const [n, levels] of [
      [0, undefined],
      [1, undefined],
      [31, 3],
      [33, undefined],
      [1000, 7],
      [4097, undefined],
      [5000, 1000],
    ] as const) {
      const { predicted } = rows(n, 10 + n, levels);
      if (n > 10) {
        predicted[3] = -0;
        predicted[4] = 0;
        predicted[5] = Infinity;
        predicted[6] = -Infinity;
      }
      const expected = Uint32Array.from({ length: n }, (_, i) => i).sort(
        (a, b) => predicted[a]! - predicted[b]! || a - b,
      );
      expect(orderByScore(predicted)).toEqual(expected);
    }
  });
});
