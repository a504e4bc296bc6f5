/** The primary metric of earlier registry versions, which the renderers chart beside a report. */

/** One registry version's value of a model's primary metric. */
export interface HistoryPoint {
  version: number;
  /** The model's primary metric as the registry recorded it for this version; null if it has none. */
  value: number | null;
}

/**
 * The primary metric of earlier versions, per model name, as the caller read them from the
 * registry (the report does not carry them). Versions in any order; the candidate of this
 * report is added at the end by the renderer.
 */
export type MetricHistory = Readonly<Record<string, readonly HistoryPoint[]>>;
