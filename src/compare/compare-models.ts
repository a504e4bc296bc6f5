/**
 * Champion against challenger on the same test rows: for each metric both values, the
 * difference, the relative change and a paired bootstrap interval of the difference.
 */
import type { MetricName } from "../spec/schemas.js";
import type { BootstrapOptions, PairedDifference } from "../evaluate/bootstrap.js";
import { DEFAULT_BOOTSTRAP, pairedBootstrap } from "../evaluate/bootstrap.js";
import type { MetricOptions } from "../evaluate/metric-types.js";
import { checkLengths } from "../evaluate/metric-types.js";
import { metricDefinition } from "../evaluate/metrics.js";

/** One metric of the comparison. */
export interface MetricComparison extends PairedDifference {
  metric: MetricName;
  label: string;
  higherIsBetter: boolean;
  /** Which way the challenger moved, by the point values; null if either is undefined. */
  direction: "better" | "worse" | "unchanged" | null;
}

/**
 * Compares two models' predictions of the same rows (`actual`), metric by metric. Every metric
 * uses the same resamples (the same seed), so the intervals are paired across metrics too.
 * Metric options (threshold) apply to both models alike.
 */
export function compareModels(
  names: readonly MetricName[],
  actual: Float64Array,
  championPredicted: Float64Array,
  challengerPredicted: Float64Array,
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
  metricOptions?: MetricOptions,
): Record<string, MetricComparison> {
  checkLengths(actual, championPredicted);
  checkLengths(actual, challengerPredicted);
  const out: Record<string, MetricComparison> = {};
  for (const name of names) {
    const def = metricDefinition(name);
    const paired = pairedBootstrap(
      actual.length,
      def.prepare(actual, championPredicted, metricOptions),
      def.prepare(actual, challengerPredicted, metricOptions),
      bootstrap,
    );
    const d = paired.difference;
    out[name] = {
      metric: name,
      label: def.label,
      higherIsBetter: def.higherIsBetter,
      ...paired,
      direction:
        d === null ? null : d === 0 ? "unchanged" : d > 0 === def.higherIsBetter ? "better" : "worse",
    };
  }
  return out;
}
