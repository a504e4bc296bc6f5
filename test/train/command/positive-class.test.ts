/** MODELGATE_POSITIVE_CLASS names the positive class as the rows file writes the target. */
import { describe, expect, it } from "vitest";
import type { ColumnSpec } from "../../../src/project/schemas.js";
import { commandEnvironment, positiveClassAsWritten } from "../../../src/train/command/command-protocol.js";

const risk: ColumnSpec = {
  nullable: false,
  name: "risk",
  type: "category",
  values: ["1", "2"],
  labels: { "1": "good", "2": "bad" },
};

describe("the positive class a command sees", () => {
  it("is the code in the data file when the spec names the label", () => {
    expect(positiveClassAsWritten("bad", risk)).toBe("2");
    expect(positiveClassAsWritten("good", risk)).toBe("1");
  });

  it("is kept when the spec names the code, or the column has no labels", () => {
    expect(positiveClassAsWritten("2", risk)).toBe("2");
    expect(positiveClassAsWritten("yes", { name: "y", type: "category", nullable: false })).toBe("yes");
    expect(positiveClassAsWritten(true, { name: "y", type: "boolean", nullable: false })).toBe("true");
    expect(positiveClassAsWritten(1, undefined)).toBe("1");
  });

  it("reaches the environment", () => {
    const env = commandEnvironment(
      { task: "classification", target: "risk", seed: 1, positiveClass: "bad" },
      ["age"],
      {},
      { train: "t.csv", output: "m.onnx", metrics: "m.jsonl", workdir: "w" },
      { trial: 0, fold: null },
      risk,
    );
    expect(env.MODELGATE_POSITIVE_CLASS).toBe("2");
  });
});
