/** How a challenger's metric moved against the champion: the one judgement both renderers show. */
import { metricDirection } from "../evaluate/metrics.js";
import type { DifferenceJson } from "./report-schema.js";

/** How a challenger's metric moved against the champion, judged by its interval. */
export type ChangeVerdict = "better" | "worse" | "not_significant" | "significant" | "none";

/**
 * The verdict of one difference: `better` or `worse` when its interval excludes zero (and the
 * metric's direction is known; `significant` otherwise), `not_significant` when it includes
 * zero, `none` without an interval.
 */
export function changeVerdict(metric: string, d: DifferenceJson): ChangeVerdict {
  if (d.significant === null || d.difference === null) return "none";
  if (!d.significant) return "not_significant";
  const direction = metricDirection(metric);
  if (direction === undefined || d.difference === 0) return "significant";
  return d.difference > 0 === direction.higherIsBetter ? "better" : "worse";
}
