/**
 * Champion against challenger on the same test rows: for each metric both values, the
 * difference, the relative change and a paired bootstrap interval of the difference.
 */
import type { MetricName } from "../project/schemas.js";
import type { BootstrapOptions, PairedDifference } from "../evaluate/bootstrap.js";
import { DEFAULT_BOOTSTRAP, pairedBootstraps } from "../evaluate/bootstrap.js";
import type { MetricOptions, PreparedMetric } from "../evaluate/metric-types.js";
import { checkLengths } from "../evaluate/metric-types.js";
import { metricDefinition } from "../evaluate/metrics.js";

/** Which way the challenger moved, by the point values; null if either is undefined. */
export type ChangeDirection = "better" | "worse" | "unchanged" | null;

/** Whether a difference (challenger - champion) of a metric is for the better. */
export function changeDirection(metric: MetricName, difference: number | null): ChangeDirection {
  if (difference === null) return null;
  if (difference === 0) return "unchanged";
  return difference > 0 === metricDefinition(metric).higherIsBetter ? "better" : "worse";
}

/**
 * Compares two models' predictions of the same rows (`actual`), metric by metric; the records
 * are report.json's `differences`. Every metric uses the same resamples (the same seed), so the
 * intervals are paired across metrics too. Metric options (threshold) apply to both models alike.
 */
export function compareModels(
  names: readonly MetricName[],
  actual: Float64Array,
  championPredicted: Float64Array,
  challengerPredicted: Float64Array,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  metricOptions?: MetricOptions,
): Record<string, PairedDifference> {
  checkLengths(actual, championPredicted);
  checkLengths(actual, challengerPredicted);
  const pairs: Record<string, readonly [PreparedMetric, PreparedMetric]> = {};
  for (const name of names) {
    const def = metricDefinition(name);
    pairs[name] = [
      def.prepare(actual, championPredicted, metricOptions),
      def.prepare(actual, challengerPredicted, metricOptions),
    ];
  }
  return pairedBootstraps(actual.length, pairs, bootstrap);
}
