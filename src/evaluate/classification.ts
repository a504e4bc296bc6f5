/**
 * Metrics of a binary classifier: `actual` holds 1 for the positive class and 0 otherwise,
 * `predicted` the predicted probability of the positive class. A row is predicted positive when
 * its probability is at or above the threshold (the model spec's `threshold`, default 0.5).
 *
 * They share the resampling interface of `metrics.ts`: bind once, evaluate under row weights.
 * AUC and KS sort the scores when bound, so each bootstrap resample costs one linear pass.
 */
import type {
  MetricDefinition,
  MetricNote,
  MetricOptions,
  PreparedMetric,
  RowWeights,
} from "./metric-types.js";
import { checkLengths, perRow, totalWeight, weightedRatio } from "./metric-types.js";

/** Default of `MetricOptions.logLossEpsilon`: probabilities are clipped to [eps, 1 - eps]. */
export const DEFAULT_LOG_LOSS_EPSILON = 1e-15;
/** Default of `MetricOptions.threshold`. */
export const DEFAULT_THRESHOLD = 0.5;

/** Throws unless every target is 0 or 1: encoding the positive class is the caller's job. */
export function checkBinaryTargets(actual: Float64Array): void {
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (a !== 0 && a !== 1) throw new Error(`classification targets must be 0 or 1; row ${i} holds ${a}`);
  }
}

/** Row indices in increasing order of score (ties by row index, so the order is deterministic). */
export function orderByScore(predicted: Float64Array): Uint32Array {
  const order = new Uint32Array(predicted.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => predicted[a]! - predicted[b]! || a - b);
  return order;
}

/** Rows in increasing order of score, cut into groups of tied scores, computed once per data set. */
interface RankedScores {
  /** Row indices in increasing order of score. */
  order: Uint32Array;
  /** Target (0 or 1) of each row, in that order. */
  label: Uint8Array;
  /** End (exclusive, in `order`) of each group of tied scores. */
  groupEnd: Uint32Array;
}

function rankScores(actual: Float64Array, predicted: Float64Array): RankedScores {
  checkLengths(actual, predicted);
  checkBinaryTargets(actual);
  for (let i = 0; i < predicted.length; i++)
    if (Number.isNaN(predicted[i])) throw new Error(`predicted score of row ${i} is NaN`);
  const order = orderByScore(predicted);
  const n = order.length;
  const label = new Uint8Array(n);
  const ends: number[] = [];
  for (let k = 0; k < n; k++) {
    label[k] = actual[order[k]!]!;
    if (k + 1 === n || predicted[order[k + 1]!] !== predicted[order[k]!]) ends.push(k + 1);
  }
  return { order, label, groupEnd: Uint32Array.from(ends) };
}

/**
 * Fills `pos` and `all` with the weighted positives and rows of each group of tied scores, from
 * the lowest score up; returns the weighted totals of positives and rows.
 */
function groupTotals(
  r: RankedScores,
  w: RowWeights,
  pos: Float64Array,
  all: Float64Array,
): { pos: number; all: number } {
  let totalPos = 0;
  let totalAll = 0;
  let k = 0;
  for (let g = 0; g < r.groupEnd.length; g++) {
    const end = r.groupEnd[g]!;
    let p = 0;
    let a = 0;
    if (w === undefined) {
      a = end - k;
      for (; k < end; k++) p += r.label[k]!;
    } else {
      for (; k < end; k++) {
        const wi = w[r.order[k]!]!;
        p += wi * r.label[k]!;
        a += wi;
      }
    }
    pos[g] = p;
    all[g] = a;
    totalPos += p;
    totalAll += a;
  }
  return { pos: totalPos, all: totalAll };
}

function explainClasses(actual: Float64Array, _p: Float64Array, w: RowWeights): MetricNote {
  const { pos, neg } = classTotals(actual, w);
  if (pos + neg === 0) return { reason: "there are no rows to evaluate" };
  if (pos === 0)
    return { reason: "there are no positive rows, so positives cannot be ranked against negatives" };
  if (neg === 0)
    return { reason: "there are no negative rows, so positives cannot be ranked against negatives" };
  return {};
}

function classTotals(actual: Float64Array, w: RowWeights): { pos: number; neg: number } {
  let pos = 0;
  let neg = 0;
  for (let i = 0; i < actual.length; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    if (actual[i] === 1) pos += wi;
    else neg += wi;
  }
  return { pos, neg };
}

const auc: MetricDefinition = {
  name: "auc",
  label: "ROC AUC",
  higherIsBetter: true,
  task: "classification",
  prepare(actual, predicted) {
    const r = rankScores(actual, predicted);
    const groups = r.groupEnd.length;
    const pos = new Float64Array(groups);
    const all = new Float64Array(groups);
    // Mann-Whitney with midranks: a positive scores 1 per negative below it, 1/2 per tied one.
    return (w) => {
      const totals = groupTotals(r, w, pos, all);
      const neg = totals.all - totals.pos;
      if (!(totals.pos > 0 && neg > 0)) return NaN;
      let negBelow = 0;
      let wins = 0;
      for (let g = 0; g < groups; g++) {
        const p = pos[g]!;
        const q = all[g]! - p;
        wins += p * (negBelow + q / 2);
        negBelow += q;
      }
      return wins / (totals.pos * neg);
    };
  },
  explain: explainClasses,
};

const ks: MetricDefinition = {
  name: "ks",
  label: "KS",
  higherIsBetter: true,
  task: "classification",
  prepare(actual, predicted) {
    const r = rankScores(actual, predicted);
    const groups = r.groupEnd.length;
    const pos = new Float64Array(groups);
    const all = new Float64Array(groups);
    return (w) => {
      const totals = groupTotals(r, w, pos, all);
      const neg = totals.all - totals.pos;
      if (!(totals.pos > 0 && neg > 0)) return NaN;
      let cumPos = 0;
      let cumNeg = 0;
      let max = 0;
      // Both empirical CDFs only step at the scores, so the distance is largest right after a tie group.
      for (let g = 0; g < groups; g++) {
        const p = pos[g]!;
        cumPos += p;
        cumNeg += all[g]! - p;
        const d = Math.abs(cumPos / totals.pos - cumNeg / neg);
        if (d > max) max = d;
      }
      return max;
    };
  },
  explain: explainClasses,
};

/** A weighted mean of a per-row loss of (target, probability), computed once per row when bound. */
function meanLoss(loss: (y: number, p: number, options?: MetricOptions) => number) {
  return (actual: Float64Array, predicted: Float64Array, options?: MetricOptions): PreparedMetric => {
    checkLengths(actual, predicted);
    checkBinaryTargets(actual);
    return weightedRatio(
      perRow(actual, predicted, (y, p) => loss(y, p, options)),
      null,
    );
  };
}

function explainEmpty(actual: Float64Array, _p: Float64Array, w: RowWeights): MetricNote {
  return totalWeight(actual.length, w) > 0 ? {} : { reason: "there are no rows to evaluate" };
}

const logLoss: MetricDefinition = {
  name: "log_loss",
  label: "Log loss",
  higherIsBetter: false,
  task: "classification",
  prepare: meanLoss((y, p, o) => {
    const eps = o?.logLossEpsilon ?? DEFAULT_LOG_LOSS_EPSILON;
    // Clip the probability given to the true class, so p = 1 on a negative costs exactly -log(eps).
    const q = y === 1 ? p : 1 - p;
    return -Math.log(Math.min(Math.max(q, eps), 1 - eps));
  }),
  explain: explainEmpty,
};

const brier: MetricDefinition = {
  name: "brier",
  label: "Brier score",
  higherIsBetter: false,
  task: "classification",
  prepare: meanLoss((y, p) => (p - y) * (p - y)),
  explain: explainEmpty,
};

/** Weighted counts of the confusion matrix at a threshold. */
export interface ConfusionCounts {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/** The confusion matrix at `threshold` (predicted positive when probability >= threshold). */
export function confusionCounts(
  actual: Float64Array,
  predicted: Float64Array,
  threshold = DEFAULT_THRESHOLD,
  weights?: RowWeights,
): ConfusionCounts {
  checkLengths(actual, predicted, weights);
  const c = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < actual.length; i++) {
    const wi = weights === undefined ? 1 : weights[i]!;
    if (wi === 0) continue;
    const positive = predicted[i]! >= threshold;
    if (actual[i] === 1) {
      if (positive) c.truePositives += wi;
      else c.falseNegatives += wi;
    } else if (positive) c.falsePositives += wi;
    else c.trueNegatives += wi;
  }
  return c;
}

/**
 * A ratio of confusion counts as Σ w·num / Σ w·den over rows, with each row's part of the
 * numerator and denominator computed once: `part(y, s)` for target y and predicted-positive s
 * (both 0 or 1) returns [num, den], or den null to divide by all rows.
 */
function fromCounts(
  part: (y: number, s: number) => [number, number],
): (actual: Float64Array, predicted: Float64Array, options?: MetricOptions) => PreparedMetric {
  return (actual, predicted, options) => {
    checkLengths(actual, predicted);
    checkBinaryTargets(actual);
    const t = options?.threshold ?? DEFAULT_THRESHOLD;
    const num = perRow(actual, predicted, (y, p) => part(y, p >= t ? 1 : 0)[0]);
    const den = perRow(actual, predicted, (y, p) => part(y, p >= t ? 1 : 0)[1]);
    return weightedRatio(num, den);
  };
}

function explainRatio(
  ratio: (c: ConfusionCounts) => [number, number],
  why: (t: number) => string,
): MetricDefinition["explain"] {
  return (actual, predicted, w, options) => {
    const t = options?.threshold ?? DEFAULT_THRESHOLD;
    if (totalWeight(actual.length, w) <= 0) return { reason: "there are no rows to evaluate" };
    return ratio(confusionCounts(actual, predicted, t, w))[1] > 0 ? {} : { reason: why(t) };
  };
}

const ratios = {
  accuracy: (c: ConfusionCounts): [number, number] => [
    c.truePositives + c.trueNegatives,
    c.truePositives + c.trueNegatives + c.falsePositives + c.falseNegatives,
  ],
  precision: (c: ConfusionCounts): [number, number] => [c.truePositives, c.truePositives + c.falsePositives],
  recall: (c: ConfusionCounts): [number, number] => [c.truePositives, c.truePositives + c.falseNegatives],
  f1: (c: ConfusionCounts): [number, number] => [
    2 * c.truePositives,
    2 * c.truePositives + c.falsePositives + c.falseNegatives,
  ],
};

const accuracy: MetricDefinition = {
  name: "accuracy",
  label: "Accuracy",
  higherIsBetter: true,
  task: "classification",
  prepare: fromCounts((y, s) => [y === s ? 1 : 0, 1]),
  explain: explainRatio(ratios.accuracy, () => "there are no rows to evaluate"),
};

const precision: MetricDefinition = {
  name: "precision",
  label: "Precision",
  higherIsBetter: true,
  task: "classification",
  prepare: fromCounts((y, s) => [y * s, s]),
  explain: explainRatio(ratios.precision, (t) => `no row is predicted positive at threshold ${t}`),
};

const recall: MetricDefinition = {
  name: "recall",
  label: "Recall",
  higherIsBetter: true,
  task: "classification",
  prepare: fromCounts((y, s) => [y * s, y]),
  explain: explainRatio(ratios.recall, () => "there are no positive rows"),
};

const f1: MetricDefinition = {
  name: "f1",
  label: "F1",
  higherIsBetter: true,
  task: "classification",
  // 2TP / (2TP + FP + FN), and 2TP + FP + FN = predicted positives + actual positives.
  prepare: fromCounts((y, s) => [2 * y * s, y + s]),
  explain: explainRatio(
    ratios.f1,
    (t) => `there are no positive rows and no row is predicted positive at threshold ${t}`,
  ),
};

/** The classification metrics of the catalogue. */
export const classificationMetrics: MetricDefinition[] = [
  auc,
  logLoss,
  brier,
  accuracy,
  precision,
  recall,
  f1,
  ks,
];

/** One bin of a calibration table. */
export interface CalibrationBin {
  /** 1-based bin number, from the lowest predicted probabilities up. */
  bin: number;
  rows: number;
  /** Smallest and largest predicted probability in the bin. */
  minPredicted: number;
  maxPredicted: number;
  meanPredicted: number;
  /** Share of the bin's rows that are positive. */
  observedRate: number;
}

/** How a calibration table groups rows. */
export interface CalibrationOptions {
  /** Number of bins. Default 10 (deciles). */
  bins?: number;
  /**
   * `quantile` (default): equal numbers of rows, by rank of the predicted probability (tied
   * scores may fall in neighbouring bins; ties are ordered by row). `uniform`: equal widths of
   * probability, [0, 1/bins), ... [1 - 1/bins, 1].
   */
  strategy?: "quantile" | "uniform";
}

/**
 * The calibration table: per bin of predicted probability, the rows, the mean prediction and the
 * observed positive rate. A calibrated model has mean predicted close to observed rate in every
 * bin. Empty bins are left out.
 */
export function calibrationTable(
  actual: Float64Array,
  predicted: Float64Array,
  options: CalibrationOptions = {},
): CalibrationBin[] {
  checkLengths(actual, predicted);
  checkBinaryTargets(actual);
  const bins = options.bins ?? 10;
  if (!(Number.isInteger(bins) && bins >= 1))
    throw new Error(`calibration bins must be a positive integer, not ${bins}`);
  const n = actual.length;
  const binOf = new Uint32Array(n);
  if ((options.strategy ?? "quantile") === "quantile") {
    const order = orderByScore(predicted);
    for (let r = 0; r < n; r++) binOf[order[r]!] = Math.floor((r * bins) / n);
  } else {
    for (let i = 0; i < n; i++) {
      const p = predicted[i]!;
      binOf[i] = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    }
  }
  const rows = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const minP = new Float64Array(bins).fill(Infinity);
  const maxP = new Float64Array(bins).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const b = binOf[i]!;
    const p = predicted[i]!;
    rows[b]! += 1;
    sumP[b]! += p;
    sumY[b]! += actual[i]!;
    if (p < minP[b]!) minP[b] = p;
    if (p > maxP[b]!) maxP[b] = p;
  }
  const table: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const count = rows[b]!;
    if (count === 0) continue;
    table.push({
      bin: b + 1,
      rows: count,
      minPredicted: minP[b]!,
      maxPredicted: maxP[b]!,
      meanPredicted: sumP[b]! / count,
      observedRate: sumY[b]! / count,
    });
  }
  return table;
}
