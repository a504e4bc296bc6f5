/**
 * The committed ONNX fixtures are what their committed script writes: it runs again into a
 * temporary folder and every file must come out byte for byte. Needs /usr/bin/python3 with
 * numpy, scikit-learn and onnx (.ci/run installs them); without them the test fails.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES } from "./onnx-fixtures.js";

const PYTHON = "/usr/bin/python3";
const probe = spawnSync(PYTHON, ["-c", "import numpy, sklearn, onnx"], { stdio: "ignore" });
const hasPython = probe.status === 0;

describe("test/fixtures/onnx/make-fixtures.py", () => {
  it("writes the committed fixtures byte for byte", () => {
    expect(
      hasPython,
      `${PYTHON} with numpy, scikit-learn and onnx (Debian: python3-numpy python3-sklearn python3-onnx)`,
    ).toBe(true);
    const out = mkdtempSync(path.join(tmpdir(), "modelgate-onnx-fixtures-"));
    try {
      const run = spawnSync(PYTHON, [path.join(FIXTURES, "make-fixtures.py"), out], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const written = readdirSync(out).sort();
      const committed = readdirSync(FIXTURES)
        .filter((f) => f !== "make-fixtures.py")
        .sort();
      expect(written).toEqual(committed);
      for (const file of written) {
        expect(readFileSync(path.join(out, file)).equals(readFileSync(path.join(FIXTURES, file))), file).toBe(
          true,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
