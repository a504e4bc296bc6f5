/**
 * The serving bench's paired measurement (`--paired-rounds N --round-seconds S`): two running
 * servers, the bare floor and `modelgate serve`, loaded in short rounds that alternate between
 * them, one pair at a time in ABBA order (bare first, then modelgate first, and so on) so that a
 * drift of the machine's speed within a pair falls on both alike. Each pair gives a ratio
 * (modelgate / bare) of throughput and latency; their median and spread say how far the two
 * servers differ and how far one pair can be trusted, which the best of a few long rounds cannot.
 */
import { markdownTable } from "markdown-table";
import { load, type Load, type Served } from "./serve-bench-load.js";

/** Each pair's ratios, modelgate over bare. */
export interface PairRatios {
  throughput: number;
  /** p99 from each answer's fractional time. */
  p99: number;
  mean: number;
  /** p99 in autocannon's whole milliseconds; NaN when the bare p99 reads 0 ms. */
  p99WholeMs: number;
}

/** The pairs at one connection count. */
export interface PairedMeasurement {
  connections: number;
  pairs: PairRatios[];
  bare: Load[];
  modelgate: Load[];
}

/** The ratios of one pair. */
export function pairRatios(bare: Load, modelgate: Load): PairRatios {
  return {
    throughput: modelgate.requestsPerSecond / bare.requestsPerSecond,
    p99: modelgate.fine.p99 / bare.fine.p99,
    mean: modelgate.fine.mean / bare.fine.mean,
    p99WholeMs: bare.p99 > 0 ? modelgate.p99 / bare.p99 : NaN,
  };
}

/** The median of the finite values (NaN when there are none). */
export function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The least and greatest finite values. */
export function spread(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  return [Math.min(...finite), Math.max(...finite)];
}

/**
 * `rounds` pairs of `seconds`-long rounds at each connection count, against `bare` and
 * `modelgate` (both running), the pairs in ABBA order.
 */
export async function measurePaired(
  bare: Served,
  modelgate: Served,
  bodies: string[],
  connections: number[],
  rounds: number,
  seconds: number,
): Promise<PairedMeasurement[]> {
  const measured: PairedMeasurement[] = [];
  for (const c of connections) {
    const m: PairedMeasurement = { connections: c, pairs: [], bare: [], modelgate: [] };
    for (let p = 0; p < rounds; p++) {
      let b: Load, g: Load;
      if (p % 2 === 0) {
        b = await load(bare.url, bodies, c, seconds, true);
        g = await load(modelgate.url, bodies, c, seconds, true);
      } else {
        g = await load(modelgate.url, bodies, c, seconds, true);
        b = await load(bare.url, bodies, c, seconds, true);
      }
      m.bare.push(b);
      m.modelgate.push(g);
      m.pairs.push(pairRatios(b, g));
    }
    measured.push(m);
  }
  return measured;
}

const grouped = (v: number) => Math.round(v).toLocaleString("en");
const percent = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : "–");
const times = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "–");
const range = (values: number[], show: (v: number) => string) => {
  const [lo, hi] = spread(values);
  return Number.isFinite(lo) ? `${show(lo)} – ${show(hi)}` : "–";
};

/** The paired measurement as a markdown table, a line per connection count. */
export function pairedTable(measured: PairedMeasurement[]): string {
  const rows = measured.map((m) => {
    const of = (k: keyof PairRatios) => m.pairs.map((p) => p[k]);
    return [
      String(m.connections),
      String(m.pairs.length),
      grouped(median(m.bare.map((l) => l.requestsPerSecond))),
      grouped(median(m.modelgate.map((l) => l.requestsPerSecond))),
      percent(median(of("throughput"))),
      range(of("throughput"), percent),
      times(median(of("p99"))),
      range(of("p99"), times),
      times(median(of("mean"))),
      range(of("mean"), times),
      times(median(of("p99WholeMs"))),
      `${median(m.bare.map((l) => l.fine.p99)).toFixed(2)} / ${median(m.modelgate.map((l) => l.fine.p99)).toFixed(2)}`,
      String([...m.bare, ...m.modelgate].reduce((s, l) => s + l.failed, 0)),
    ];
  });
  return markdownTable(
    [
      [
        "connections",
        "pairs",
        "bare req/s",
        "modelgate req/s",
        "of bare throughput",
        "(min – max)",
        "p99 / bare",
        "(min – max)",
        "mean latency / bare",
        "(min – max)",
        "p99 / bare, whole ms",
        "p99 ms, bare / modelgate",
        "failed",
      ],
      ...rows,
    ],
    { align: ["r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"] },
  );
}
