/**
 * Metrics of a binary classifier: `actual` holds 1 for the positive class and 0 otherwise,
 * `predicted` the predicted probability of the positive class. A row is predicted positive when
 * its probability is at or above the threshold (the model spec's `threshold`, default 0.5).
 *
 * They share the resampling interface of `metrics.ts`: bind once, evaluate under row weights.
 * AUC and KS sort the scores when bound (score-ranking.ts), so each bootstrap resample costs one
 * linear pass; the others are row reductions, which a bootstrap gathers block by block. None
 * keeps a per-row array of its own beyond the ranking.
 */
import type {
  MetricDefinition,
  MetricNote,
  MetricOptions,
  PreparedMetric,
  RowWeights,
} from "./metric-types.js";
import { checkLengths, totalWeight } from "./metric-types.js";
import { channelOf, rowChannel, rowRatio, withReduction, type RowFunction } from "./row-reduction.js";
import { orderByScore, rankScores, rankedAuc, rankedKs, type RankedScores } from "./score-ranking.js";

export { orderByScore } from "./score-ranking.js";

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

/** Checks the inputs of a ranking metric and ranks them (shared by AUC and KS on the same arrays). */
function ranked(actual: Float64Array, predicted: Float64Array): RankedScores {
  checkLengths(actual, predicted);
  checkBinaryTargets(actual);
  return rankScores(actual, predicted);
}

const auc: MetricDefinition = {
  name: "auc",
  label: "ROC AUC",
  higherIsBetter: true,
  task: "classification",
  prepare(actual, predicted) {
    const r = ranked(actual, predicted);
    return (w) => rankedAuc(r, w);
  },
  explain: explainClasses,
};

const ks: MetricDefinition = {
  name: "ks",
  label: "KS",
  higherIsBetter: true,
  task: "classification",
  prepare(actual, predicted) {
    const r = ranked(actual, predicted);
    return (w) => rankedKs(r, w);
  },
  explain: explainClasses,
};

/**
 * A weighted mean of a per-row loss of (target, probability), the loss computed as the rows are
 * read (nothing per row is kept). A bootstrap gathers Σ w·loss for every resample block by block
 * but in row order, so each resample's value is bit for bit this loop's under its weights.
 */
function meanLoss(loss: (y: number, p: number, options?: MetricOptions) => number) {
  return (actual: Float64Array, predicted: Float64Array, options?: MetricOptions): PreparedMetric => {
    checkLengths(actual, predicted);
    checkBinaryTargets(actual);
    const f: RowFunction = (y, p) => loss(y, p, options);
    return withReduction(rowRatio(actual, predicted, f, null), {
      sums: [rowChannel(actual, predicted, f)],
      maxima: [],
      inOrder: true,
      finish: (s, _m, total) => (total > 0 ? s[0]! / total : NaN),
    });
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

/** Sums of a resample over rows: Σ w·y·s, Σ w·s, Σ w·y (y the target, s predicted positive) and Σ w. */
interface ConfusionSums {
  ys: number;
  s: number;
  y: number;
  total: number;
}

/** The row functions s and y·s at a threshold, one pair per threshold (shared channels). */
const confusionRows = new Map<number, { s: RowFunction; ys: RowFunction }>();
const targetRow: RowFunction = (y) => y;

function confusionRowsAt(t: number): { s: RowFunction; ys: RowFunction } {
  let rows = confusionRows.get(t);
  if (rows === undefined)
    confusionRows.set(t, (rows = { s: (_y, p) => (p >= t ? 1 : 0), ys: (y, p) => (p >= t ? y : 0) }));
  return rows;
}

/**
 * A ratio of confusion counts as Σ w·num / Σ w·den over rows: `num(y, s)` and `den(y, s)` for
 * target y and predicted-positive s (both 0 or 1), computed as the rows are read. A bootstrap
 * gathers the three sums of {@link ConfusionSums} block by block for every resample (channels
 * shared by all four metrics); `fromSums` gives the ratio's terms from them. The terms are
 * whole numbers under whole-number weights, whose sums are exact in any order, so a
 * resample's value is bit for bit the row loop's.
 */
function fromCounts(
  num: (y: number, s: number) => number,
  den: (y: number, s: number) => number,
  fromSums: (c: ConfusionSums) => [number, number],
): (actual: Float64Array, predicted: Float64Array, options?: MetricOptions) => PreparedMetric {
  return (actual, predicted, options) => {
    checkLengths(actual, predicted);
    checkBinaryTargets(actual);
    const t = options?.threshold ?? DEFAULT_THRESHOLD;
    const rows = confusionRowsAt(t);
    const metric = rowRatio(
      actual,
      predicted,
      (y, p) => num(y, p >= t ? 1 : 0),
      (y, p) => den(y, p >= t ? 1 : 0),
    );
    return withReduction(metric, {
      sums: [
        channelOf(actual, predicted, rows.ys),
        channelOf(actual, predicted, rows.s),
        channelOf(actual, predicted, targetRow),
      ],
      maxima: [],
      finish(sums, _m, total) {
        const [top, bottom] = fromSums({ ys: sums[0]!, s: sums[1]!, y: sums[2]!, total });
        return bottom > 0 ? top / bottom : NaN;
      },
    });
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
  prepare: fromCounts(
    (y, s) => (y === s ? 1 : 0),
    () => 1,
    // Rows where y = s: Σ 1 - y - s + 2ys.
    (c) => [c.total - c.y - c.s + 2 * c.ys, c.total],
  ),
  explain: explainRatio(ratios.accuracy, () => "there are no rows to evaluate"),
};

const precision: MetricDefinition = {
  name: "precision",
  label: "Precision",
  higherIsBetter: true,
  task: "classification",
  prepare: fromCounts(
    (y, s) => y * s,
    (_y, s) => s,
    (c) => [c.ys, c.s],
  ),
  explain: explainRatio(ratios.precision, (t) => `no row is predicted positive at threshold ${t}`),
};

const recall: MetricDefinition = {
  name: "recall",
  label: "Recall",
  higherIsBetter: true,
  task: "classification",
  prepare: fromCounts(
    (y, s) => y * s,
    (y) => y,
    (c) => [c.ys, c.y],
  ),
  explain: explainRatio(ratios.recall, () => "there are no positive rows"),
};

const f1: MetricDefinition = {
  name: "f1",
  label: "F1",
  higherIsBetter: true,
  task: "classification",
  // 2TP / (2TP + FP + FN), and 2TP + FP + FN = predicted positives + actual positives.
  prepare: fromCounts(
    (y, s) => 2 * y * s,
    (y, s) => y + s,
    (c) => [2 * c.ys, c.y + c.s],
  ),
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
  // A byte per row for the usual ten bins.
  const binOf = bins <= 256 ? new Uint8Array(n) : new Uint32Array(n);
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
