/**
 * Accuracy through the whole CLI path (spec, CSV, model file) on the NIST StRD linear least
 * squares reference data sets, against their certified values.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { digits, readCertified, readNistData } from "../train/least-squares/nist-datasets.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

async function trainOn(columns: string[], rows: number[][], features: string, extra = "") {
  project = tempProject({
    "modelgate.yml": "models:\n  nist: model.yml\n",
    "data.yml": [
      "file: data.csv",
      "columns:",
      ...columns.map((c) => `  - { name: ${c}, type: number }`),
      "split: { test: 0 }",
      "",
    ].join("\n"),
    "data.csv": [columns.join(","), ...rows.map((r) => r.join(","))].join("\r\n") + "\r\n",
    "model.yml": `data: data.yml\ntarget: y\nfeatures: ${features}\nalgorithm: { type: linear }\n${extra}`,
  });
  const io = memoryIo(project.root);
  const code = await main(["train", "--out", "out"], io);
  expect(io.stderr).toBe("");
  expect(code).toBe(0);
  return parseModelFile(readFileSync(project.file("out/nist.json"), "utf8"), "nist.json");
}

describe("NIST StRD through modelgate train", () => {
  it("reproduces Longley (ill-conditioned, 16 rows, 6 predictors) to at least 9 significant digits", async () => {
    const cert = readCertified("Longley");
    const model = await trainOn(
      ["y", "x1", "x2", "x3", "x4", "x5", "x6"],
      readNistData("Longley.dat"),
      "[x1, x2, x3, x4, x5, x6]",
    );
    const fitted = [
      model.intercept!,
      ...["x1", "x2", "x3", "x4", "x5", "x6"].map((x) => model.coefficients[x]!),
    ];
    fitted.forEach((b, k) => expect(digits(b, cert.coef[k]!)).toBeGreaterThanOrEqual(9));
    const se = [
      model.interceptStandardError!,
      ...["x1", "x2", "x3", "x4", "x5", "x6"].map((x) => model.standardErrors[x]!),
    ];
    se.forEach((s, k) => expect(digits(s, cert.coef_sd[k]!)).toBeGreaterThanOrEqual(7));
    expect(model.trainingRows).toBe(16);
  });

  it("reproduces Wampler1 (a degree-5 polynomial through `degree: 5`) to at least 9 significant digits", async () => {
    const cert = readCertified("Wampler1");
    const data = readNistData("Wampler1.dat");
    const model = await trainOn(["y", "x"], data, "[{ name: x, degree: 5 }]");
    const fitted = [
      model.intercept!,
      model.coefficients["x"]!,
      ...[2, 3, 4, 5].map((k) => model.coefficients[`x^${k}`]!),
    ];
    fitted.forEach((b, k) => expect(digits(b, cert.coef[k]!)).toBeGreaterThanOrEqual(9));
  });
});
