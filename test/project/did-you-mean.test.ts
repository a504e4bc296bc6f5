import { describe, expect, it } from "vitest";
import { closest, editDistance, suggest } from "../../src/project/did-you-mean.js";

describe("did-you-mean", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("rsme", "rmse")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
  it("suggests close names only", () => {
    expect(closest("Horsepowr", ["Horsepower", "Weight"])).toBe("Horsepower");
    expect(closest("horse_power", ["Horsepower"])).toBe("Horsepower");
    expect(closest("zzz", ["Horsepower", "Weight"])).toBeUndefined();
  });
  it("lists what is allowed when nothing is close", () => {
    expect(suggest("zzz", ["a", "b"], "columns")).toBe('known columns: "a", "b"');
  });
});
