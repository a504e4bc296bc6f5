/**
 * `modelgate export` on the examples: the ONNX file, run by ONNX Runtime, predicts the test rows
 * as the engine does, to 1e-9 relative in float64.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../../cli/io.js";
import { main } from "../../../cli/main.js";
import { TEST } from "../../../src/data/row-batch.js";
import { readRows } from "../../../src/data/scan-dataset.js";
import { loadProject } from "../../../src/project/load-project.js";
import { parseModelFile } from "../../../src/model/model-file.js";
import {
  enginePredictions,
  feedsOf,
  maxRelativeDifference,
  runOnnx,
  withHoles,
} from "./onnx-test-helpers.js";

const out = mkdtempSync(path.join(tmpdir(), "modelgate-export-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const examples = [
  { example: "cars", model: "mpg", output: "prediction" },
  { example: "credit", model: "credit-risk", output: "probability" },
];

describe.each(examples)("export of examples/$example", ({ example, model: name, output }) => {
  it("predicts the test rows as the engine does (1e-9 relative)", { timeout: 60_000 }, async () => {
    const config = path.resolve("examples", example, "modelgate.yml");
    const runDir = path.join(out, example);
    const io = memoryIo();
    expect(await main(["run", "--config", config, "--out", runDir], io)).toBeLessThan(2);
    const onnxFile = path.join(out, `${name}.onnx`);
    const exportIo = memoryIo();
    expect(
      await main(
        ["export", "--model", name, "--format", "onnx", "--from", runDir, "--out", onnxFile],
        exportIo,
      ),
    ).toBe(0);
    expect(exportIo.stdout).toContain(`${name}.onnx`);

    const model = parseModelFile(readFileSync(path.join(runDir, "models", `${name}.json`), "utf8"), name);
    const bytes = readFileSync(onnxFile);
    const loaded = loadProject(config, { only: [name] }).models[0]!;
    let scored = 0;
    let missingCells = 0;
    let worst = 0;
    for await (const read of readRows(loaded.data, loaded.dataFile))
      for (const batch of [read, withHoles(model, read)]) {
        const rows: number[] = [];
        for (let i = 0; i < batch.length; i++) if (batch.side[i] === TEST) rows.push(i);
        if (rows.length === 0) continue;
        const feeds = feedsOf(model, batch, rows);
        for (const t of Object.values(feeds))
          for (const v of t.data as Iterable<unknown>) if (v === "" || Number.isNaN(v)) missingCells++;
        const expected = enginePredictions(model, batch, rows);
        const result = await runOnnx(bytes, feeds);
        const actual = result[output]!.data as Float64Array;
        expect(actual).toBeInstanceOf(Float64Array);
        worst = Math.max(worst, maxRelativeDifference(expected, actual));
        if (model.task === "classification") {
          const threshold = model.algorithm.threshold ?? 0.5;
          const labels = Array.from(result.label!.data as BigInt64Array, Number);
          expect(labels).toEqual(Array.from(expected, (p) => (p >= threshold ? 1 : 0)));
        }
        scored += rows.length;
      }
    expect(scored).toBeGreaterThan(100);
    expect(missingCells).toBeGreaterThanOrEqual(scored / 2 / model.pipeline.features.length - 1);
    expect(worst).toBeLessThanOrEqual(1e-9);
    if (process.env.MODELGATE_SHOW_FIGURES)
      console.log(
        `${example}: ${scored} test rows, ${missingCells} missing cells, max relative difference ${worst}`,
      );
  });
});
