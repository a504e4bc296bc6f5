import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { TalliedHistogram } from "../../serve/tallied-histogram.js";

const buckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

describe("TalliedHistogram", () => {
  it("reads out in /metrics exactly as prom-client's Histogram does, for the same observations", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({
      name: "latency_seconds",
      help: "Time from a request's arrival to its answer",
      labelNames: ["model", "protocol"],
      buckets,
      registers: [theirs],
    });
    const tallied = new TalliedHistogram(
      "latency_seconds",
      "Time from a request's arrival to its answer",
      ["model", "protocol"],
      buckets,
      ours,
    );
    // A kept series is the one observe() finds (taken at its first observation, as the order of
    // the series in the text is that of their first observations).
    let kept: ReturnType<typeof tallied.seriesOf> | undefined;
    // On the bounds, between them, past the last one; label values that need escaping.
    const values = [0, 0.0005, 0.0007, 0.001, 0.003, 0.3, 2.5, 2.6, 17, 1e-9, 0.0123456789];
    const labelSets = [
      { model: "mpg", protocol: "v2" },
      { model: "mpg", protocol: "mlflow" },
      { model: 'we"ird\\name\n', protocol: "other" },
      { model: "", protocol: "v2" },
    ];
    values.forEach((v, i) => {
      for (const [k, labels] of labelSets.entries()) {
        if ((i + k) % 3 === 0) continue;
        reference.observe(labels, v * (k + 1));
        if (k === 0) (kept ??= tallied.seriesOf(labels)).observe(v * (k + 1));
        else tallied.observe(labels, v * (k + 1));
      }
    });
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("reads out as prom-client's for runs of the same labels, and after a reset", async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const reference = new Histogram({
      name: "h",
      help: "h",
      labelNames: ["model"],
      buckets,
      registers: [theirs],
    });
    const tallied = new TalliedHistogram("h", "h", ["model"], buckets, ours);
    const observe = (model: string, v: number) => {
      reference.observe({ model }, v);
      tallied.observe({ model }, v);
    };
    for (const model of ["a", "a", "a", "b", "b", "a"]) observe(model, 0.003);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    reference.reset();
    tallied.reset();
    observe("a", 0.2);
    observe("a", 0.0001);
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it("refuses a value that is not a finite number, as prom-client does", () => {
    const h = new TalliedHistogram("h", "h", ["model"], [1], new Registry());
    expect(() => h.observe({ model: "m" }, NaN)).toThrow(/not a valid number/);
  });
});
