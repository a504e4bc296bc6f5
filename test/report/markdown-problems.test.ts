import { describe, expect, it } from "vitest";
import { invalidModelsMarkdown } from "../../src/report/markdown-problems.js";

describe("invalidModelsMarkdown", () => {
  it("fences each model's problems so their text cannot close the block", () => {
    const md = invalidModelsMarkdown([
      {
        model: "mpg",
        problems: [
          {
            file: "models/mpg.yml",
            line: 6,
            column: 8,
            message: "the training command exited with status 1 in run final; last lines:\n    | ```` oops",
            hint: "run it locally",
          },
        ],
      },
    ]);
    expect(md).toBe(
      [
        "### mpg could not be evaluated",
        "",
        "`````text",
        "models/mpg.yml:6:8: the training command exited with status 1 in run final; last lines:",
        "    | ```` oops",
        "  hint: run it locally",
        "`````",
      ].join("\n"),
    );
  });

  it("cuts a very long message", () => {
    const md = invalidModelsMarkdown([
      { model: "m", problems: [{ file: "f", message: "x".repeat(50_000) }] },
    ]);
    expect(md.length).toBeLessThan(20_200);
    expect(md).toContain("… (cut)");
  });
});
