/**
 * The metric catalogue: every metric a spec may name, with its label and direction, evaluated
 * over a test set's targets and predictions under row weights.
 *
 * Row weights are how a bootstrap resample is evaluated without copying arrays: a resample is
 * the multiplicity of each row (0, 1, 2, ...), so a metric over weights equals the metric over
 * the resampled rows. `undefined` weights mean every row once. A metric is bound to its data
 * once (`prepare`), which lets sorting metrics (AUC, KS) sort the scores once and then evaluate
 * each resample in one linear pass.
 *
 * Regression: `actual` holds the targets, `predicted` the predictions.
 * Classification: `actual` holds 1 for the positive class and 0 otherwise, `predicted` the
 * predicted probability of the positive class (a row is predicted positive when its probability
 * is at or above the threshold).
 */
import type { MetricName } from "../project/schemas.js";
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from "../project/schemas.js";
import { classificationMetrics } from "./classification.js";
import type {
  MetricDefinition,
  MetricNote,
  MetricOptions,
  MetricValue,
  PreparedMetric,
  RowWeights,
} from "./metric-types.js";
import { DEFAULT_MAPE_EPSILON, checkLengths, totalWeight } from "./metric-types.js";
import { channelOf, rowRatio, withReduction, type RowFunction } from "./row-reduction.js";

export type {
  MetricDefinition,
  MetricNote,
  MetricOptions,
  MetricValue,
  PreparedMetric,
  RowWeights,
} from "./metric-types.js";
export { DEFAULT_MAPE_EPSILON, checkLengths, totalWeight, weightedRatio } from "./metric-types.js";
export { rowReductionOf, type RowChannel, type RowReduction } from "./row-reduction.js";

/** The fairness differences of `fairness.ts`; gate rules may name them like any metric. */
export const FAIRNESS_METRICS = ["parity_difference", "equal_opportunity_difference"] as const;
export type FairnessMetricName = (typeof FAIRNESS_METRICS)[number];

/** Direction and label of any name a gate rule may use. */
export interface MetricDirection {
  name: string;
  label: string;
  higherIsBetter: boolean;
}

const noRows: MetricNote = { reason: "there are no rows to evaluate" };

function explainEmpty(actual: Float64Array, _p: Float64Array, w: RowWeights): MetricNote {
  return totalWeight(actual.length, w) > 0 ? {} : noRows;
}

const squaredError: RowFunction = (a, p) => (a - p) * (a - p);
const absoluteError: RowFunction = (a, p) => Math.abs(a - p);

const rmse: MetricDefinition = {
  name: "rmse",
  label: "RMSE",
  higherIsBetter: false,
  task: "regression",
  prepare(actual, predicted) {
    checkLengths(actual, predicted);
    return withReduction(rowRatio(actual, predicted, squaredError, null, Math.sqrt), {
      sums: [channelOf(actual, predicted, squaredError)],
      maxima: [],
      finish: (s, _m, total) => (total > 0 ? Math.sqrt(s[0]! / total) : NaN),
    });
  },
  explain: explainEmpty,
};

const mae: MetricDefinition = {
  name: "mae",
  label: "MAE",
  higherIsBetter: false,
  task: "regression",
  prepare(actual, predicted) {
    checkLengths(actual, predicted);
    return withReduction(rowRatio(actual, predicted, absoluteError, null), {
      sums: [channelOf(actual, predicted, absoluteError)],
      maxima: [],
      finish: (s, _m, total) => (total > 0 ? s[0]! / total : NaN),
    });
  },
  explain: explainEmpty,
};

const r2: MetricDefinition = {
  name: "r2",
  label: "R²",
  higherIsBetter: true,
  task: "regression",
  prepare(actual, predicted) {
    checkLengths(actual, predicted);
    const n = actual.length;
    const metric: PreparedMetric = (w) => {
      // Two passes, the mean first, so the total sum of squares does not cancel catastrophically.
      // Branchless in the weight: a third of a resample's weights are zero, unpredictably.
      let total = 0;
      let sumA = 0;
      let sumA2 = 0;
      for (let i = 0; i < n; i++) {
        const wi = w === undefined ? 1 : w[i]!;
        const a = actual[i]!;
        total += wi;
        sumA += wi * a;
        sumA2 += wi * a * a;
      }
      if (total <= 0) return NaN;
      const mean = sumA / total;
      let ssRes = 0;
      let ssTot = 0;
      for (let i = 0; i < n; i++) {
        const wi = w === undefined ? 1 : w[i]!;
        const a = actual[i]!;
        const d = a - mean;
        const e = a - predicted[i]!;
        ssRes += wi * e * e;
        ssTot += wi * d * d;
      }
      // Constant targets leave only the rounding of the mean (relative size ~1e-32): no variance.
      if (!(ssTot > 1e-24 * sumA2)) return NaN;
      return 1 - ssRes / ssTot;
    };
    // For the bootstrap: the same quantities from sums of targets centred on their overall mean
    // c, so Σ w (a - c)² - (Σ w (a - c))² / Σ w does not cancel catastrophically.
    let c = 0;
    for (let i = 0; i < n; i++) c += actual[i]!;
    c = n > 0 ? c / n : 0;
    return withReduction(metric, {
      sums: [
        channelOf(actual, predicted, squaredError),
        channelOf(actual, predicted, (a) => a - c),
        channelOf(actual, predicted, (a) => (a - c) * (a - c)),
      ],
      maxima: [],
      finish(s, _m, total) {
        if (total <= 0) return NaN;
        const ssTot = s[2]! - (s[1]! * s[1]!) / total;
        const sumA2 = s[2]! + 2 * c * s[1]! + c * c * total;
        if (!(ssTot > 1e-24 * sumA2)) return NaN;
        return 1 - s[0]! / ssTot;
      },
    });
  },
  explain(actual, predicted, w) {
    if (totalWeight(actual.length, w) <= 0) return noRows;
    return Number.isNaN(r2.prepare(actual, predicted)(w))
      ? { reason: "every actual value is the same, so there is no variance to explain" }
      : {};
  },
};

const mape: MetricDefinition = {
  name: "mape",
  label: "MAPE",
  higherIsBetter: false,
  task: "regression",
  prepare(actual, predicted, options) {
    checkLengths(actual, predicted);
    const eps = options?.mapeEpsilon ?? DEFAULT_MAPE_EPSILON;
    const kept: RowFunction = (a) => (Math.abs(a) < eps ? 0 : 1);
    const relative: RowFunction = (a, p) => (Math.abs(a) < eps ? 0 : Math.abs(a - p) / Math.abs(a));
    const keepsAll = actual.every((a) => !(Math.abs(a) < eps));
    return withReduction(rowRatio(actual, predicted, relative, kept), {
      sums: keepsAll
        ? [channelOf(actual, predicted, relative)]
        : [channelOf(actual, predicted, relative), channelOf(actual, predicted, kept)],
      maxima: [],
      finish: keepsAll
        ? (s, _m, total) => (total > 0 ? s[0]! / total : NaN)
        : (s) => (s[1]! > 0 ? s[0]! / s[1]! : NaN),
    });
  },
  explain(actual, _predicted, w, options) {
    const eps = options?.mapeEpsilon ?? DEFAULT_MAPE_EPSILON;
    let excluded = 0;
    let kept = 0;
    for (let i = 0; i < actual.length; i++) {
      const wi = w === undefined ? 1 : w[i]!;
      if (wi === 0) continue;
      if (Math.abs(actual[i]!) < eps) excluded += wi;
      else kept += wi;
    }
    if (kept + excluded === 0) return noRows;
    const note: MetricNote = excluded > 0 ? { excluded } : {};
    if (kept === 0)
      note.reason = `every actual value is within ${eps} of zero, so a percentage error is undefined`;
    return note;
  },
};

const maxError: MetricDefinition = {
  name: "max_error",
  label: "Max error",
  higherIsBetter: false,
  task: "regression",
  prepare(actual, predicted) {
    checkLengths(actual, predicted);
    const n = actual.length;
    for (let i = 0; i < n; i++) if (Number.isNaN(actual[i]! - predicted[i]!)) return () => NaN;
    const metric: PreparedMetric = (w) => {
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        if (w !== undefined && !(w[i]! > 0)) continue;
        const e = Math.abs(actual[i]! - predicted[i]!);
        if (e > max) max = e;
      }
      return max === -Infinity ? NaN : max;
    };
    return withReduction(metric, {
      sums: [],
      maxima: [channelOf(actual, predicted, absoluteError)],
      finish: (_s, m) => (m[0]! === -Infinity ? NaN : m[0]!),
    });
  },
  explain: explainEmpty,
};

const regressionMetrics: MetricDefinition[] = [rmse, mae, r2, mape, maxError];

/** Every metric, by name. */
export const METRIC_CATALOGUE: Readonly<Record<MetricName, MetricDefinition>> = Object.fromEntries(
  [...regressionMetrics, ...classificationMetrics].map((m) => [m.name, m]),
) as Record<MetricName, MetricDefinition>;

/** The definition of a metric; throws for a name outside the catalogue (a programming error). */
export function metricDefinition(name: MetricName): MetricDefinition {
  const m = METRIC_CATALOGUE[name];
  if (m === undefined) throw new Error(`unknown metric "${name}"`);
  return m;
}

/** Metrics a task reports when the spec does not list any. */
export function defaultMetrics(task: "regression" | "classification"): MetricName[] {
  return task === "regression" ? [...REGRESSION_METRICS] : [...CLASSIFICATION_METRICS];
}

const FAIRNESS_DIRECTIONS: Record<FairnessMetricName, MetricDirection> = {
  parity_difference: {
    name: "parity_difference",
    label: "Demographic parity difference",
    higherIsBetter: false,
  },
  equal_opportunity_difference: {
    name: "equal_opportunity_difference",
    label: "Equal opportunity difference",
    higherIsBetter: false,
  },
};

/**
 * Direction and label of a name a gate rule may use: a catalogue metric, a fairness difference,
 * or a fairness difference for one sensitive column (`parity_difference:sex`). Undefined for
 * anything else.
 */
export function metricDirection(name: string): MetricDirection | undefined {
  const m = (METRIC_CATALOGUE as Record<string, MetricDefinition | undefined>)[name];
  if (m !== undefined) return { name, label: m.label, higherIsBetter: m.higherIsBetter };
  const colon = name.indexOf(":");
  const base = colon < 0 ? name : name.slice(0, colon);
  const f = (FAIRNESS_DIRECTIONS as Record<string, MetricDirection | undefined>)[base];
  if (f === undefined) return undefined;
  return colon < 0 ? f : { name, label: `${f.label} (${name.slice(colon + 1)})`, higherIsBetter: false };
}

/** One metric on all rows (or under weights), with what it left out and why it may be undefined. */
export function computeMetric(
  name: MetricName,
  actual: Float64Array,
  predicted: Float64Array,
  options?: MetricOptions,
  weights?: RowWeights,
): MetricValue {
  checkLengths(actual, predicted, weights);
  const m = metricDefinition(name);
  const value = m.prepare(actual, predicted, options)(weights);
  const note = m.explain(actual, predicted, weights, options);
  if (Number.isNaN(value))
    return { value: null, ...note, reason: note.reason ?? "the metric is undefined on these rows" };
  return { value, ...note };
}

/** Several metrics on all rows, keyed by name, in the order given. */
export function computeMetrics(
  names: readonly MetricName[],
  actual: Float64Array,
  predicted: Float64Array,
  options?: MetricOptions,
): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const name of names) out[name] = computeMetric(name, actual, predicted, options);
  return out;
}

/** Turns sampled row indices (with repeats) into the multiplicity weights metrics take. */
export function countsFromIndices(indices: ArrayLike<number>, rows: number): Float64Array {
  const counts = new Float64Array(rows);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    if (!(k >= 0 && k < rows && Number.isInteger(k)))
      throw new Error(`row index ${k} is outside 0..${rows - 1}`);
    counts[k]! += 1;
  }
  return counts;
}
