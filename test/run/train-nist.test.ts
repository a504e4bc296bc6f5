/**
 * Accuracy through the whole CLI path (spec, CSV, model file) on the NIST StRD linear least
 * squares reference data sets, against their certified values.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { committedSchemaErrors } from "../helpers/committed-schema.js";
import { digits, filipReference, readCertified, readNistData } from "../train/least-squares/nist-datasets.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

async function runOn(columns: string[], rows: number[][], features: string, extra = "") {
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
  return { code, stdout: io.stdout, stderr: io.stderr };
}

async function trainOn(columns: string[], rows: number[][], features: string, extra = "") {
  const io = await runOn(columns, rows, features, extra);
  expect(io.stderr).toBe("");
  expect(io.code).toBe(0);
  return parseModelFile(readFileSync(project!.file("out/nist.json"), "utf8"), "nist.json");
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

  const powers = [2, 3, 4, 5, 6, 7, 8, 9, 10];

  it("fits Filip (degree 10, x in [-9, -3]) through `degree: 10` to at least 7 digits of the exact solution, with a warning", async () => {
    const reference = filipReference();
    const io = await runOn(["y", "x"], readNistData("Filip.dat"), "[{ name: x, degree: 10 }]");
    expect(io.code).toBe(0);
    expect(io.stdout).toMatch(
      /warning: ill-conditioned design \(condition number 5e9 with columns scaled to unit length\): expect about \d+ correct significant digits/,
    );
    const model = parseModelFile(readFileSync(project!.file("out/nist.json"), "utf8"), "nist.json");
    const fitted = [
      model.intercept!,
      model.coefficients["x"]!,
      ...powers.map((k) => model.coefficients[`x^${k}`]!),
    ];
    fitted.forEach((b, k) => expect(digits(b, reference.coef[k]!)).toBeGreaterThanOrEqual(7));
  });

  it("fits Filip given as ten power columns to at least 7 digits of the exact solution", async () => {
    const reference = filipReference();
    const columns = ["y", "x", ...powers.map((k) => `x${k}`)];
    const rows = readNistData("Filip.dat").map(([y, x]) => [y!, x!, ...powers.map((k) => x! ** k)]);
    const model = await trainOn(columns, rows, `[${columns.slice(1).join(", ")}]`);
    const fitted = [model.intercept!, ...columns.slice(1).map((c) => model.coefficients[c]!)];
    fitted.forEach((b, k) => expect(digits(b, reference.coef[k]!)).toBeGreaterThanOrEqual(7));
  });

  it("still refuses Filip with x^10 given twice (exit 2, the message of an exact dependence)", async () => {
    const columns = ["y", "x", ...powers.map((k) => `x${k}`), "again"];
    const rows = readNistData("Filip.dat").map(([y, x]) => [y!, x!, ...powers.map((k) => x! ** k), x! ** 10]);
    const io = await runOn(columns, rows, `[${columns.slice(1).join(", ")}]`);
    expect(io.code).toBe(2);
    expect(io.stderr).toContain('data.csv, column "again": x10 and again are collinear');
  });

  it("reports Filip's conditioning in report.json and its warning in the markdown report", async () => {
    const rows = readNistData("Filip.dat");
    project = tempProject({
      "modelgate.yml": "models:\n  filip: model.yml\n",
      "data.yml":
        "file: data.csv\ncolumns:\n  - { name: y, type: number }\n  - { name: x, type: number }\nsplit: { test: 0.2 }\n",
      "data.csv": ["y,x", ...rows.map((r) => r.join(","))].join("\n") + "\n",
      "model.yml":
        "data: data.yml\ntarget: y\nfeatures: [{ name: x, degree: 10 }]\nalgorithm: { type: linear }\n",
    });
    const io = memoryIo(project.root);
    expect(await main(["run", "--out", "out"], io)).toBe(0);
    const raw = JSON.parse(readFileSync(project.file("out/report.json"), "utf8")) as unknown;
    expect(committedSchemaErrors("report.schema.json", raw)).toEqual([]);
    const m = reportSchema.parse(raw).models[0]!;
    const conditioning = m.challenger.conditioning!;
    expect(conditioning.scaledConditionNumber).toBeGreaterThan(1e9);
    expect(conditioning.expectedDigits).toBeGreaterThan(3);
    expect(conditioning.expectedDigits).toBeLessThan(7);
    const expected = `expect about ${Math.floor(conditioning.expectedDigits)} correct significant digits`;
    expect(m.warnings.find((w) => w.startsWith("ill-conditioned design"))).toContain(expected);
    expect(readFileSync(project.file("out/report.md"), "utf8")).toContain(expected);
  });
});
