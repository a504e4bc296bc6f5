/**
 * The model interface over the built-in model, and the one loader: what a loaded model says about
 * itself (inputs, output kind, sha256 of its bytes, metadata), that scoring through the interface
 * gives the numbers of the built-in scorer bit for bit, and that a wrong file is an input error
 * naming it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/canonical-json.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import { readRows } from "../../src/data/scan-dataset.js";
import { ExitCode, InputError } from "../../src/errors.js";
import { makeScorer } from "../../src/model/builtin-model.js";
import type { FittedModel } from "../../src/model/fitted-model.js";
import { loadModelFile, modelFromBytes } from "../../src/model/load-model.js";
import { MissingFeaturesError } from "../../src/model/pipeline.js";
import { loadProject } from "../../src/project/load-project.js";

const root = path.resolve(import.meta.dirname, "../..");
const creditFile = path.join(root, "examples/credit/.modelgate/models/credit-risk/v1.json");
const carsFile = path.join(root, "examples/cars/.modelgate/models/mpg/v1.json");

async function batchesOf(example: string): Promise<{ batches: RowBatch[]; columns: string[] }> {
  const m = loadProject(path.join(root, "examples", example, "modelgate.yml")).models[0]!;
  const batches: RowBatch[] = [];
  for await (const b of readRows(m.data, m.dataFile, { batchSize: 128 })) batches.push(b);
  return { batches, columns: m.data.columns.map((c) => c.name) };
}

async function inputError(run: () => Promise<unknown>): Promise<InputError> {
  const error = await run().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe("a built-in model behind the model interface", () => {
  it("says what it reads, what it returns and the sha256 of its bytes", async () => {
    const model: FittedModel = await loadModelFile(creditFile, "v1.json");
    expect(model.format).toBe("builtin");
    expect(model.task).toBe("classification");
    expect(model.output).toBe("positive-probability");
    expect(model.sha256).toBe(sha256Hex(readFileSync(creditFile, "utf8")));
    expect(model.metadata.model).toBe("credit-risk");
    expect(model.metadata.algorithm).toBe("logistic");
    const names = model.inputs.map((i) => i.name);
    expect(names).toContain("duration_months");
    expect(model.inputs.find((i) => i.name === "duration_months")!.type).toBe("integer");
    const cars = await loadModelFile(carsFile);
    expect(cars.output).toBe("value");
    expect(cars.metadata.positiveClass).toBeNull();
  });

  it("scores through scoreBatch exactly as the built-in scorer, with contributions per input", async () => {
    const { batches, columns } = await batchesOf("credit");
    const model = await loadModelFile(creditFile);
    const scorer = await model.bind(columns);
    expect(scorer.contributionFeatures).toEqual(model.inputs.map((i) => i.name));
    const reference = makeScorer(JSON.parse(readFileSync(creditFile, "utf8")), columns);
    const features = scorer.contributionFeatures!.length;
    let compared = 0;
    for (const b of batches) {
      const rows = Int32Array.from({ length: b.length }, (_, i) => b.length - 1 - i); // any order
      const out = new Float64Array(b.length);
      const byFeature = new Float64Array(features * b.length);
      await scorer.scoreBatch(b, rows, b.length, out, byFeature);
      for (let t = 0; t < b.length; t++) {
        expect(Object.is(out[t], reference.predict(b, rows[t]!))).toBe(true);
        compared++;
      }
      // A linear model's contributions add up to its linear predictor, less a constant.
      const eta0 = Math.log(out[0]! / (1 - out[0]!));
      const eta1 = Math.log(out[1]! / (1 - out[1]!));
      let sum0 = 0;
      let sum1 = 0;
      for (let f = 0; f < features; f++) {
        sum0 += byFeature[f * b.length]!;
        sum1 += byFeature[f * b.length + 1]!;
      }
      expect(eta0 - eta1).toBeCloseTo(sum0 - sum1, 8);
    }
    expect(compared).toBe(1000);
  });

  it("refuses data without one of its inputs, naming it", async () => {
    const model = await loadModelFile(carsFile);
    const columns = model.inputs.map((i) => i.name).filter((n) => n !== "Horsepower");
    expect(() => model.bind(columns)).toThrow(MissingFeaturesError);
    expect(() => model.bind(columns)).toThrow(/"Horsepower"/);
  });
});

describe("loading a model file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "modelgate-load-model-"));

  it("is an input error (exit 2) naming a missing file", async () => {
    const error = await inputError(() => loadModelFile(path.join(dir, "absent.json"), "models/absent.json"));
    expect(error.exitCode).toBe(ExitCode.invalidInput);
    expect(error.problems[0]!.file).toBe("models/absent.json");
    expect(error.message).toMatch(/does not exist/);
  });

  it("is an input error naming a file that is not a model file, with a hint", async () => {
    const binary = path.join(dir, "model.onnx");
    writeFileSync(binary, Uint8Array.from([8, 7, 18, 4, 0x6f, 0x6e, 0x6e, 0x78]));
    const error = await inputError(() => loadModelFile(binary, "model.onnx"));
    expect(error.problems[0]!.file).toBe("model.onnx");
    expect(error.problems[0]!.hint).toMatch(/modelgate train or run/);
    const wrong = await inputError(async () =>
      modelFromBytes(new TextEncoder().encode('{"format":"x"}'), "m.json"),
    );
    expect(wrong.message).toMatch(/not a valid model file/);
  });
});
