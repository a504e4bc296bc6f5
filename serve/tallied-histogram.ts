/**
 * A Prometheus histogram kept in plain numbers. prom-client's `Histogram.observe` checks and
 * hashes the label set at every call, which a one-row request pays twice (its latency, its model
 * call); here a label set's series is found once and kept. It is registered in a prom-client
 * registry as a metric of its own and reads out exactly as prom-client's histogram does (the
 * same lines, in the same order), so `/metrics` does not change.
 */
import type { Histogram, Registry } from "prom-client";

/** One label set's observations: a count per bucket (the last one past every bound), sum, count. */
export interface HistogramSeries {
  observe(value: number): void;
}

class Series implements HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.bounds;
    let k = 0;
    while (k < bounds.length && value > bounds[k]!) k++;
    this.counts[k]!++;
    this.sum += value;
    this.count++;
  }
}

/** What the registry reads of a metric (prom-client's exposition shape). */
interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/** A histogram over the labels `L`, with the given bucket bounds. */
export class TalliedHistogram<L extends string> {
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly series = new Map<string, Series>();
  private readonly bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    buckets: readonly number[],
    registry: Registry,
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
    // The registry only reads name, help, type and get(): the shape of its own histograms.
    registry.registerMetric(this as unknown as Histogram);
  }

  /** The labels' values and series of the last {@link seriesOf}: requests in a row mostly share them. */
  private last: { values: string[]; series: Series } | undefined;

  /** The series of `labels`, to keep and observe into. */
  seriesOf(labels: Readonly<Record<L, string>>): HistogramSeries {
    const last = this.last;
    if (last !== undefined) {
      let same = true;
      for (let k = 0; k < this.labelNames.length && same; k++)
        same = labels[this.labelNames[k]!] === last.values[k];
      if (same) return last.series;
    }
    let key = "";
    for (const n of this.labelNames) key += `${labels[n]}\u0000`;
    let s = this.series.get(key);
    if (s === undefined) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n];
      s = new Series(own, this.bounds);
      this.series.set(key, s);
    }
    this.last = { values: this.labelNames.map((n) => labels[n]), series: s };
    return s;
  }

  /** Observes `value` for `labels`. */
  observe(labels: Readonly<Record<L, string>>, value: number): void {
    this.seriesOf(labels).observe(value);
  }

  /** Forgets every observation. */
  reset(): void {
    this.series.clear();
    this.last = undefined;
  }

  /** The metric as prom-client's registry reads it: cumulative buckets, +Inf, sum, count. */
  get(): Promise<{
    name: string;
    help: string;
    type: "histogram";
    aggregator: "sum";
    values: MetricValue[];
  }> {
    const values: MetricValue[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.bounds.forEach((le, k) => {
        acc += s.counts[k]!;
        values.push({ value: acc, labels: { le, ...s.labels }, metricName: `${this.name}_bucket` });
      });
      values.push(
        { value: s.count, labels: { le: "+Inf", ...s.labels }, metricName: `${this.name}_bucket` },
        { value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` },
        { value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    });
  }
}
