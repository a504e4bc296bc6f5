import { readFileSync } from "node:fs";
import { Matrix, inverse } from "ml-matrix";
import MLR from "ml-regression-multivariate-linear";
import { afterEach, describe, expect, it } from "vitest";
import { InputError, formatProblem } from "../../src/errors.js";
import { readRows } from "../../src/data/scan-dataset.js";
import { TRAIN } from "../../src/data/row-batch.js";
import { trainModel } from "../../src/run/train-model.js";
import { loadProject } from "../../src/project/load-project.js";
import { foldOf } from "../../src/train/search-space.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** A project on generated rows: y = 2 + 1.5 a - 0.5 b + 3·[c=z] + noise, with a category c. */
function generated(model: string, rows = 400, extraColumns = "", extra: (i: number) => string = () => "") {
  let seed = 7;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines = [`id,a,b,c,y${extraColumns ? "," + extraColumns : ""}`];
  for (let i = 0; i < rows; i++) {
    const a = Math.round(random() * 1000) / 100;
    const b = Math.round(random() * 1000) / 100;
    const c = ["x", "y", "z"][Math.floor(random() * 3)]!;
    const y = 2 + 1.5 * a - 0.5 * b + (c === "z" ? 3 : 0) + (random() - 0.5);
    lines.push(`${i},${a},${b},${c},${y.toFixed(6)}${extraColumns ? "," + extra(i) : ""}`);
  }
  project = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "data.yml": [
      "file: data.csv",
      "columns:",
      "  - { name: id, type: integer }",
      "  - { name: a, type: number }",
      "  - { name: b, type: number }",
      "  - { name: c, type: category, values: [x, y, z] }",
      "  - { name: y, type: number }",
      ...extraColumns
        .split(",")
        .filter(Boolean)
        .map((n) => `  - { name: ${n}, type: number, nullable: true }`),
      "key: [id]",
      "split: { test: 0.25, salt: fit }",
      "",
    ].join("\n"),
    "data.csv": lines.join("\n") + "\n",
    "model.yml": `data: data.yml\ntarget: y\n${model}`,
  });
  return loadProject(project.file("modelgate.yml")).models[0]!;
}

/** The train rows as the data layer splits them: [id, a, b, c, y]. */
async function trainRows(m: ReturnType<typeof generated>) {
  const out: { row: number; a: number; b: number; c: string; y: number }[] = [];
  for await (const batch of readRows(m.data, m.dataFile)) {
    const [, a, b, c, y] = batch.columns;
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN) continue;
      if (a?.kind !== "numeric" || b?.kind !== "numeric" || c?.kind !== "category" || y?.kind !== "numeric") {
        throw new Error("unexpected column kinds");
      }
      out.push({
        row: batch.row[i]!,
        a: a.values[i]!,
        b: b.values[i]!,
        c: c.levels[c.codes[i]!]!,
        y: y.values[i]!,
      });
    }
  }
  return out;
}

const opts = { displayBase: "/" };

describe("fitLinear", () => {
  it("agrees with ml-regression-multivariate-linear on well-conditioned data, one-hot terms included", async () => {
    const m = generated("features: [a, b, c]\n");
    const { model } = await trainModel(m, opts);
    const rows = await trainRows(m);
    // Our reference level is the most frequent train level; build the same design independently.
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.c, (counts.get(r.c) ?? 0) + 1);
    const levels = [...counts.entries()]
      .sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1))
      .map((e) => e[0]);
    const others = levels.slice(1);
    const mlr = new MLR(
      rows.map((r) => [r.a, r.b, ...others.map((l) => (r.c === l ? 1 : 0))]),
      rows.map((r) => [r.y]),
    );
    const w = mlr.weights.map((row) => row[0]!);
    expect(model.coefficients["a"]).toBeCloseTo(w[0]!, 9);
    expect(model.coefficients["b"]).toBeCloseTo(w[1]!, 9);
    others.forEach((l, k) => expect(model.coefficients[`c=${l}`]).toBeCloseTo(w[2 + k]!, 9));
    expect(model.intercept).toBeCloseTo(w[w.length - 1]!, 9);
    expect(model.trainingRows).toBe(rows.length);
    expect(model.pipeline.features[2]).toMatchObject({ kind: "category", reference: levels[0] });
  });

  it("fits ridge on standardised terms and reports coefficients in original units", async () => {
    const alpha = 25;
    const m = generated(`features: [a, b]\nalgorithm: { type: ridge, alpha: ${alpha} }\n`);
    const { model } = await trainModel(m, opts);
    const rows = await trainRows(m);
    const n = rows.length;
    const stats = (f: (r: (typeof rows)[number]) => number) => {
      const mean = rows.reduce((s, r) => s + f(r), 0) / n;
      const sd = Math.sqrt(rows.reduce((s, r) => s + (f(r) - mean) ** 2, 0) / (n - 1));
      return { mean, sd };
    };
    const sa = stats((r) => r.a);
    const sb = stats((r) => r.b);
    const sy = stats((r) => r.y);
    // Closed form on centred, standardised columns: the unpenalised intercept is the mean of y.
    const X = new Matrix(rows.map((r) => [(r.a - sa.mean) / sa.sd, (r.b - sb.mean) / sb.sd]));
    const y = Matrix.columnVector(rows.map((r) => r.y - sy.mean));
    const beta = inverse(X.transpose().mmul(X).add(Matrix.eye(2).mul(alpha)))
      .mmul(X.transpose())
      .mmul(y);
    expect(model.coefficients["a"]).toBeCloseTo(beta.get(0, 0) / sa.sd, 10);
    expect(model.coefficients["b"]).toBeCloseTo(beta.get(1, 0) / sb.sd, 10);
    expect(model.intercept).toBeCloseTo(
      sy.mean - (beta.get(0, 0) * sa.mean) / sa.sd - (beta.get(1, 0) * sb.mean) / sb.sd,
      9,
    );
  });

  it("scores each search trial by k-fold cross-validation inside the train side, exactly", async () => {
    const m = generated(
      "features: [a, b, c]\nalgorithm: { type: ridge }\nsearch: { folds: 4, seed: 3, space: { alpha: [0.001, 1000] } }\n",
    );
    const { fit } = await trainModel(m, opts);
    expect(fit.trials.map((t) => t.params.alpha)).toEqual([0.001, 1000]);
    expect(fit.chosen).toBe(0); // the true model has no penalty to speak of
    // Independently: alpha 0.001 is least squares to within 1e-6; compute its fold rmse with MLR.
    const rows = await trainRows(m);
    const levels = ["x", "y", "z"];
    const design = (r: (typeof rows)[number]) => [
      r.a,
      r.b,
      ...levels.map((l) => (r.c === l ? 1 : 0)).slice(1),
    ];
    for (let f = 0; f < 4; f++) {
      const train = rows.filter((r) => foldOf(r.row, 4, 3) !== f);
      const held = rows.filter((r) => foldOf(r.row, 4, 3) === f);
      const mlr = new MLR(
        train.map(design),
        train.map((r) => [r.y]),
      );
      const rmse = Math.sqrt(
        held.reduce((s, r) => s + (mlr.predict(design(r))[0]! - r.y) ** 2, 0) / held.length,
      );
      expect(fit.trials[0]!.foldScores[f]).toBeCloseTo(rmse, 4);
    }
    expect(fit.trials[1]!.score!).toBeGreaterThan(fit.trials[0]!.score!);
  });

  it("writes byte-identical model files for the same spec, data and seed", async () => {
    const m = generated("features: [a, b, c]\nsearch: { space: { features: [[a], [a, b, c]] } }\n");
    const one = await trainModel(m, opts);
    const two = await trainModel(m, opts);
    expect(two.modelText).toBe(one.modelText);
    expect(JSON.parse(one.modelText).pipeline.features.map((f: { name: string }) => f.name)).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("names collinear features", async () => {
    const m = generated("features: [a, b, a2]\n", 200, "a2", (i) => String(i));
    // a2 is a copy of a written later: replace the data so a2 = 2·a exactly.
    const csv = readFileSync(m.dataFile, "utf8")
      .split("\n")
      .map((l, k) => {
        if (k === 0 || !l) return l;
        const f = l.split(",");
        f[5] = String(Number(f[1]) * 2);
        return f.join(",");
      })
      .join("\n");
    project!.write("data.csv", csv);
    const error = await trainModel(m, opts).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map(formatProblem).join("\n")).toMatch(
      /column "a2": a and a2 are collinear\n {2}hint: remove one of these features, or add a ridge penalty/,
    );
  });

  it("fails naming a constant feature in plain least squares", async () => {
    const m = generated("features: [a, k]\n", 100, "k", () => "4");
    const error = (await trainModel(m, opts).catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems.map(formatProblem).join("\n")).toMatch(
      /column "k": k is constant \(4 in every row\)/,
    );
  });

  it("fails naming a feature whose values are all missing", async () => {
    const m = generated("features: [a, b, gone]\n", 100, "gone", () => "");
    const error = (await trainModel(m, opts).catch((e: unknown) => e)) as InputError;
    expect(error).toBeInstanceOf(InputError);
    expect(error.problems.map(formatProblem).join("\n")).toMatch(
      /data\.csv, column "gone": feature "gone" is missing in every one of the \d+ train rows\n {2}hint: remove the feature/,
    );
  });
});
