/** The credit-scoring example through the CLI, and classification's documented edge cases. */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempProject, type TempProject } from "../helpers/temp-project.js";
import { runCli } from "../helpers/run-cli.js";

const root = path.resolve(import.meta.dirname, "../..");
let project: TempProject | undefined;
afterEach(() => project?.remove());

const cli = (args: string[], cwd = root) => runCli(cwd, args);

describe("examples/credit", () => {
  it("prints AUC, KS, the calibration table and the fairness differences with intervals", async () => {
    project = tempProject({});
    const out = project.root;
    const r = await cli(["run", "--config", "examples/credit/modelgate.yml", "--out", out]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}auc {8}0\.\d+ +\[0\.\d+, 0\.\d+\] +0\.\d+ +[+-]/m);
    expect(r.out).toMatch(/^ {2}ks {9}0\.\d+ +\[/m);
    expect(r.out).toContain("champion  version 1 (alias production), scored on the same 316 test rows");
    expect(r.out).toMatch(
      /calibration \(test rows by decile of predicted probability\)\n {4}decile +rows +mean predicted +observed rate\n {4}1 /,
    );
    expect(r.out).toMatch(
      /personal_status: parity difference 0\.\d+ \[0\.\d+, 0\.\d+\], equal opportunity difference 0\.\d+ \[/,
    );
    expect(r.out).toMatch(/age: parity difference/);
    expect(r.out).toMatch(/female divorced\/separated\/married +\d+ +0\.\d+/);
    expect(r.out).toContain("Equal opportunity difference");
  });
});

describe("classification edge cases", () => {
  const spec = (extra = "") =>
    `data: data.yml\ntask: classification\ntarget: label\npositiveClass: yes\nfeatures: [x]\nalgorithm: { type: logistic${extra} }\nmetrics: { bootstrap: { samples: 50 } }\n`;
  const files = (rows: string) => ({
    "modelgate.yml": "models:\n  c: model.yml\n",
    "data.yml":
      "file: d.csv\ncolumns:\n  - { name: x, type: number }\n  - { name: label, type: category, values: [yes, no] }\nsplit: { test: 0.3, salt: s }\n",
    "d.csv": rows,
  });
  const separable =
    "x,label\n" + Array.from({ length: 60 }, (_, i) => `${i},${i < 30 ? "no" : "yes"}`).join("\n") + "\n";

  it("refuses perfectly separable classes with an explicit alpha: 0, naming the feature", async () => {
    project = tempProject({ ...files(separable), "model.yml": spec(", alpha: 0") });
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/d\.csv, column "x": the classes are perfectly separated by x/);
  });

  it("fits separable classes with the default L2 penalty (alpha 1), warning which column separates", async () => {
    project = tempProject({ ...files(separable), "model.yml": spec() });
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/auc +1 /);
    expect(r.out).toContain(
      `x separates the classes (every "yes" row has a value of x at least as large as every not "yes" row's)`,
    );
  });

  it("fits separable classes with an explicit L2 penalty", async () => {
    project = tempProject({ ...files(separable), "model.yml": spec(", alpha: 10") });
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/auc +1 /);
  });

  // A census-style data set: one level of a category (a rare occupation) holds only one class.
  const quasi = (() => {
    const rows = ["x,job,label"];
    for (let i = 0; i < 200; i++) {
      const job = i % 40 === 0 ? "armed-forces" : i % 2 ? "clerk" : "sales";
      const label = job === "armed-forces" || (i * 7919) % 11 < 4 ? "yes" : "no";
      rows.push(`${(i * 37) % 101},${job},${label}`);
    }
    return rows.join("\n") + "\n";
  })();
  const quasiFiles = (extra: string) => ({
    "modelgate.yml": "models:\n  c: model.yml\n",
    "data.yml":
      "file: d.csv\ncolumns:\n  - { name: x, type: number }\n  - { name: job, type: category }\n  - { name: label, type: category, values: [yes, no] }\nsplit: { test: 0.3, salt: s }\n",
    "d.csv": quasi,
    "model.yml": `data: data.yml\ntask: classification\ntarget: label\npositiveClass: yes\nfeatures: [x, job]\npreprocessing: { scale: standard }\nalgorithm: { type: logistic${extra} }\nmetrics: { bootstrap: { samples: 20 } }\n`,
  });

  it("trains on quasi-separated data by default and names the level in which every row is one class", async () => {
    project = tempProject(quasiFiles(""));
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /job=armed-forces separates the classes \(all \d+ train rows where job=armed-forces is 1 are "yes"\): without a penalty its coefficient would be infinite/,
    );
  });

  it("refuses the same data with alpha: 0, as quasi-separated by that level", async () => {
    project = tempProject(quasiFiles(", alpha: 0"));
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the classes are quasi-separated by job=armed-forces/);
  });

  it("names a positive class that never occurs", async () => {
    project = tempProject({ ...files(separable.replace(/yes/g, "no")), "model.yml": spec(", alpha: 1") });
    const r = await cli(["run", "--out", "out"], project.root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /column "label": every one of the \d+ train rows is not "yes": there is only one class to learn/,
    );
  });
});
