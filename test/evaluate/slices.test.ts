import { describe, expect, it } from "vitest";
import { computeSlice, rowsByGroup } from "../../src/evaluate/slices.js";

const f64 = (xs: number[]) => Float64Array.from(xs);

// Rows of groups a (3), b (2), c (1), with a row in no group (-1).
const codes = { column: "region", groups: ["a", "b", "c"], codes: Int32Array.from([0, 1, 0, 2, 1, 0, -1]) };
const actual = f64([1, 2, 3, 4, 5, 6, 7]);
const challenger = f64([2, 2, 3, 0, 8, 5, 100]);
const champion = f64([1, 3, 4, 4, 5, 6, 0]);

describe("computeSlice", () => {
  it("evaluates each group on its own rows and flags the worst by the primary metric", () => {
    const s = computeSlice(codes, actual, challenger, champion, {
      metrics: ["mae", "max_error"],
      primary: "mae",
      minSize: 2,
    });
    expect(s.column).toBe("region");
    expect(s.omittedGroups).toBe(0);
    // a: rows 0, 2, 5 -> errors 1, 0, 1 -> mae 2/3; b: rows 1, 4 -> errors 0, 3 -> mae 1.5; c: 1 row, too small
    expect(s.groups.map((g) => [g.group, g.rows, g.tooSmall, g.worst])).toEqual([
      ["a", 3, false, false],
      ["b", 2, false, true],
      ["c", 1, true, false],
    ]);
    expect(s.groups[0]!.metrics.mae).toBeCloseTo(2 / 3, 14);
    expect(s.groups[0]!.metrics.max_error).toBe(1);
    expect(s.groups[1]!.metrics).toEqual({ mae: 1.5, max_error: 3 });
    expect(s.groups[2]!.metrics).toEqual({ mae: null, max_error: null });
    // champion on the same rows: a errors 0, 1, 0 -> 1/3; b errors 1, 0 -> 0.5
    expect(s.groups[0]!.champion!.mae).toBeCloseTo(1 / 3, 14);
    expect(s.groups[1]!.champion).toEqual({ mae: 0.5, max_error: 1 });
    expect(s.groups[2]!.champion).toEqual({ mae: null, max_error: null });
  });

  it("flags the lowest group when higher is better, and adds the primary metric if missing", () => {
    // r2 of a: actual 1, 3, 6 (mean 10/3, ss_tot 38/3), ss_res 2 -> 1 - 6/38; b: actual 2, 5, ss_tot 4.5, ss_res 9 -> -1
    const s = computeSlice(codes, actual, challenger, null, { metrics: ["mae"], primary: "r2", minSize: 2 });
    expect(s.groups[0]!.metrics.r2).toBeCloseTo(1 - 6 / 38, 14);
    expect(s.groups[1]!.metrics.r2).toBeCloseTo(-1, 14);
    expect(s.groups.map((g) => g.worst)).toEqual([false, true, false]);
    expect(s.groups[0]!.champion).toBeNull();
  });

  it("flags no worst group when fewer than two are evaluated", () => {
    const s = computeSlice(codes, actual, challenger, null, { metrics: ["mae"], primary: "mae", minSize: 3 });
    expect(s.groups.map((g) => g.tooSmall)).toEqual([false, true, true]);
    expect(s.groups.some((g) => g.worst)).toBe(false);
  });

  it("lists at most maxGroups groups: the worst and the largest, in order", () => {
    const s = computeSlice(codes, actual, challenger, null, {
      metrics: ["mae"],
      primary: "mae",
      minSize: 1,
      maxGroups: 2,
    });
    // c (1 row, error 4) is the worst; a is the largest
    expect(s.groups.map((g) => g.group)).toEqual(["a", "c"]);
    expect(s.groups[1]!.worst).toBe(true);
    expect(s.omittedGroups).toBe(1);
  });

  it("refuses codes that do not match the rows", () => {
    expect(() =>
      computeSlice({ ...codes, codes: Int32Array.from([0]) }, actual, challenger, null, {
        metrics: ["mae"],
        primary: "mae",
        minSize: 1,
      }),
    ).toThrow(/group codes/);
    expect(() => rowsByGroup(Int32Array.from([0, 3]), 2)).toThrow(/no group/);
  });
});
