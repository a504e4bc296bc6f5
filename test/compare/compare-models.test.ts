import { describe, expect, it } from "vitest";
import { changeDirection, compareModels } from "../../src/compare/compare-models.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

describe("compareModels", () => {
  // Hand-computed: champion errors 1, -1, 2, -2 (mae 1.5); challenger errors 1, -1, 1, -1 (mae 1).
  const actual = f64([10, 20, 30, 40]);
  const champion = f64([11, 19, 32, 38]);
  const challenger = f64([11, 19, 31, 39]);

  it("gives both values, the difference and the direction per metric", () => {
    const c = compareModels(["mae", "rmse", "r2"], actual, champion, challenger, {
      samples: 200,
      seed: 1,
      confidence: 0.9,
    });
    expect(c.mae).toMatchObject({ champion: 1.5, challenger: 1, difference: -0.5 });
    expect(changeDirection("mae", c.mae!.difference)).toBe("better");
    expect(c.mae?.relativeChange).toBeCloseTo(-1 / 3, 14);
    expect(c.rmse?.champion).toBeCloseTo(Math.sqrt(2.5), 14);
    expect(c.rmse?.challenger).toBe(1);
    // r2: ss_tot = 500; champion ss_res 10 -> 0.98, challenger 4 -> 0.992; higher is better
    expect(c.r2?.champion).toBeCloseTo(0.98, 14);
    expect(c.r2?.challenger).toBeCloseTo(0.992, 14);
    expect(changeDirection("r2", c.r2!.difference)).toBe("better");
    // every resample keeps challenger errors no larger than the champion's, row by row
    expect(c.mae?.ci?.upper).toBeLessThanOrEqual(0);
  });

  it("draws the same resamples whatever other metrics are compared", () => {
    const opts = { samples: 100, seed: 2, confidence: 0.9 };
    const alone = compareModels(["mae"], actual, champion, challenger, opts).mae;
    const together = compareModels(["rmse", "mae", "max_error"], actual, champion, challenger, opts).mae;
    expect(together).toEqual(alone);
  });

  it("calls swapped models worse, with the mirrored interval", () => {
    const opts = { samples: 200, seed: 1, confidence: 0.9 };
    const forward = compareModels(["mae"], actual, champion, challenger, opts).mae!;
    const back = compareModels(["mae"], actual, challenger, champion, opts).mae!;
    expect(changeDirection("mae", back.difference)).toBe("worse");
    expect(back.ci?.lower).toBeCloseTo(-forward.ci!.upper, 14);
    expect(back.ci?.upper).toBeCloseTo(-forward.ci!.lower, 14);
  });

  it("has no direction or interval where a metric is undefined", () => {
    const c = compareModels(["mape"], f64([0, 0]), f64([1, 1]), f64([2, 2]));
    expect(c.mape).toEqual({
      champion: null,
      challenger: null,
      difference: null,
      relativeChange: null,
      ci: null,
      relativeCi: null,
      significant: null,
    });
    expect(changeDirection("mape", null)).toBeNull();
  });
});
