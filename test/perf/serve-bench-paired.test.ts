/**
 * The serving bench's paired rounds: the ratios of a pair, their median and spread, the
 * nearest-rank quantile of the answers' times, and the table's line per connection count.
 * Asserts arithmetic on given rounds, never time.
 */
import { describe, expect, it } from "vitest";
import type { Load } from "../../bench/serve-bench-load.js";
import { quantile } from "../../bench/serve-bench-load.js";
import { median, pairRatios, pairedTable, spread } from "../../bench/serve-bench-paired.js";

function round(requestsPerSecond: number, p99: number, fineP99: number, mean: number): Load {
  return {
    connections: 16,
    requests: requestsPerSecond * 2,
    requestsPerSecond,
    p50: 0,
    p99,
    fine: { p99: fineP99, mean },
    failed: 0,
  };
}

describe("the serving bench's paired rounds", () => {
  it("take a pair's ratios as modelgate over bare, with no whole-ms p99 ratio when the bare one reads 0 ms", () => {
    expect(pairRatios(round(1000, 2, 1.5, 0.5), round(900, 3, 1.8, 0.6))).toEqual({
      throughput: 0.9,
      p99: 1.2,
      mean: 1.2,
      p99WholeMs: 1.5,
    });
    expect(pairRatios(round(1000, 0, 0.2, 0.1), round(1000, 0, 0.2, 0.1)).p99WholeMs).toBeNaN();
  });

  it("take the median and the spread of the finite ratios", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5, NaN])).toBe(5);
    expect(median([NaN])).toBeNaN();
    expect(spread([1.2, NaN, 0.8, 1])).toEqual([0.8, 1.2]);
  });

  it("take the p99 of the answers' times by nearest rank", () => {
    const times = Float64Array.from({ length: 200 }, (_, i) => (i + 1) / 100);
    expect(quantile(times, 0.99)).toBe(1.98);
    expect(quantile(times, 1)).toBe(2);
    expect(quantile(new Float64Array(0), 0.99)).toBeNaN();
  });

  it("print a line per connection count: the rates, the median ratios and their spread", () => {
    const bare = [round(1000, 2, 2, 1), round(1000, 2, 2, 1), round(1000, 2, 2, 1)];
    const modelgate = [round(900, 2, 2.2, 1.1), round(950, 2, 2, 1), round(1100, 2, 1.8, 0.9)];
    const table = pairedTable([
      { connections: 16, bare, modelgate, pairs: bare.map((b, k) => pairRatios(b, modelgate[k]!)) },
    ]);
    const line = table
      .split("\n")[2]!
      .split("|")
      .map((cell) => cell.trim());
    expect(line.slice(1, -1)).toEqual([
      "16",
      "3",
      "1,000",
      "950",
      "95.0%",
      "90.0% – 110.0%",
      "1.00×",
      "0.90× – 1.10×",
      "1.00×",
      "0.90× – 1.10×",
      "1.00×",
      "2.00 / 2.00",
      "0",
    ]);
  });
});
