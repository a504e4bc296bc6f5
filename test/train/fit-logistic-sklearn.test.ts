/**
 * Logistic regression's default penalty is scikit-learn's (C = 1, alpha = 1/C): on the credit
 * example, every coefficient equals scikit-learn's to 1e-6. The fixture is written by
 * test/fixtures/sklearn/credit-logistic.py, which builds the design as the pipeline does.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

const root = path.resolve(import.meta.dirname, "../..");
const credit = path.join(root, "examples/credit");
let project: TempProject | undefined;
afterEach(() => project?.remove());

interface SklearnFixture {
  C: number;
  alpha: number;
  rows: number;
  gradientMaxAbs: number;
  intercept: number;
  coefficients: Record<string, number>;
}

const fixture = JSON.parse(
  readFileSync(path.join(root, "test/fixtures/sklearn/credit-logistic.json"), "utf8"),
) as SklearnFixture;

/** The example's data spec and features, every row on the train side, one fit with `algorithm`. */
async function trainCredit(algorithm: string) {
  const dataSpec = readFileSync(path.join(credit, "data/credit.data.yml"), "utf8").replace(
    /split:\n {2}test: 0\.3\n/,
    "split:\n  test: 0\n",
  );
  expect(dataSpec).toContain("  test: 0\n");
  const modelSpec = readFileSync(path.join(credit, "models/credit-risk.model.yml"), "utf8");
  const features = modelSpec.slice(modelSpec.indexOf("features:"), modelSpec.indexOf("preprocessing:"));
  project = tempProject({
    "modelgate.yml": "models:\n  credit: model.yml\n",
    "credit.data.yml": dataSpec,
    "german.csv": readFileSync(path.join(credit, "data/german.csv")),
    "model.yml": [
      "data: credit.data.yml",
      "task: classification",
      "target: risk",
      "positiveClass: bad",
      features.trimEnd(),
      "preprocessing:",
      "  scale: standard",
      `algorithm: ${algorithm}`,
      "",
    ].join("\n"),
  });
  const io = memoryIo(project.root);
  const code = await main(["train", "--out", "out"], io);
  expect(io.stderr).toBe("");
  expect(code).toBe(0);
  return parseModelFile(readFileSync(project.file("out/credit.json"), "utf8"), "credit.json");
}

/** |a - b| relative to max(1, |b|): absolute for small coefficients, relative for large ones. */
const difference = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));

describe("logistic regression against scikit-learn on the credit example", () => {
  it("uses a fixture at scikit-learn's default C = 1, solved to optimality", () => {
    expect(fixture.C).toBe(1);
    expect(fixture.alpha).toBe(1);
    expect(fixture.rows).toBe(1000);
    expect(fixture.gradientMaxAbs).toBeLessThan(1e-10);
  });

  it("equals scikit-learn's coefficients to 1e-6 with the default penalty (no alpha given)", async () => {
    const model = await trainCredit("{ type: logistic }");
    expect(model.algorithm.alpha).toBe(1);
    expect(model.trainingRows).toBe(fixture.rows);
    expect(Object.keys(model.coefficients).sort()).toEqual(Object.keys(fixture.coefficients).sort());
    for (const [term, b] of Object.entries(fixture.coefficients))
      expect(difference(model.coefficients[term]!, b), term).toBeLessThan(1e-6);
    expect(difference(model.intercept!, fixture.intercept)).toBeLessThan(1e-6);
  });

  it("differs from it without the penalty (alpha: 0), so the comparison has teeth", async () => {
    const model = await trainCredit("{ type: logistic, alpha: 0 }");
    const largest = Math.max(
      ...Object.entries(fixture.coefficients).map(([t, b]) => difference(model.coefficients[t]!, b)),
    );
    expect(largest).toBeGreaterThan(1e-2);
  });
});
