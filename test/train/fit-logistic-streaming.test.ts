/**
 * The streamed logistic fit (one pass over the rows per IRLS iteration, nothing kept between
 * passes) against the in-memory IRLS on the same design.
 */
import { afterEach, describe, expect, it } from "vitest";
import { readRows } from "../../src/data/scan-dataset.js";
import { TRAIN, type RowBatch } from "../../src/data/row-batch.js";
import { loadProject } from "../../src/project/load-project.js";
import { fitLogistic } from "../../src/train/fit-logistic.js";
import { fitLogisticRegression } from "../../src/train/least-squares/index.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** P(y = yes) = σ(-1 + 0.8 a - 0.5 b + [c = z]), 600 rows, a category c of three levels. */
function generated(algorithm: string) {
  let seed = 11;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines = ["a,b,c,y"];
  for (let i = 0; i < 600; i++) {
    const a = Math.round(random() * 400 - 200) / 100;
    const b = Math.round(random() * 400 - 200) / 100;
    const c = ["x", "y", "z"][Math.floor(random() * 3)]!;
    const eta = -1 + 0.8 * a - 0.5 * b + (c === "z" ? 1 : 0);
    lines.push(`${a},${b},${c},${random() < 1 / (1 + Math.exp(-eta)) ? "yes" : "no"}`);
  }
  project = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "data.yml": [
      "file: data.csv",
      "columns:",
      "  - { name: a, type: number }",
      "  - { name: b, type: number }",
      "  - { name: c, type: category, values: [x, y, z] }",
      "  - { name: y, type: category, values: [yes, no] }",
      "split: { test: 0.25, salt: stream }",
      "",
    ].join("\n"),
    "data.csv": lines.join("\n") + "\n",
    "model.yml": `data: data.yml\ntask: classification\ntarget: y\npositiveClass: yes\nfeatures: [a, b, c]\npreprocessing: { scale: none }\nalgorithm: ${algorithm}\n`,
  });
  return loadProject(project.file("modelgate.yml")).models[0]!;
}

/**
 * The train side as the in-memory fit takes it: [1, a, b, c=L, c=M], with the most frequent level
 * the reference and the others in order of count, as the pipeline encodes them.
 */
async function design(m: ReturnType<typeof generated>) {
  const rows: { a: number; b: number; level: string }[] = [];
  const y: number[] = [];
  const counts = new Map<string, number>();
  for await (const batch of readRows(m.data, m.dataFile)) {
    const [a, b, c, t] = batch.columns;
    if (a?.kind !== "numeric" || b?.kind !== "numeric" || c?.kind !== "category" || t?.kind !== "category")
      throw new Error("unexpected column kinds");
    for (let i = 0; i < batch.length; i++) {
      if (batch.side[i] !== TRAIN) continue;
      const level = c.levels[c.codes[i]!]!;
      counts.set(level, (counts.get(level) ?? 0) + 1);
      rows.push({ a: a.values[i]!, b: b.values[i]!, level });
      y.push(t.levels[t.codes[i]!] === "yes" ? 1 : 0);
    }
  }
  const levels = [...counts.entries()].sort((p, q) => q[1] - p[1] || (p[0] < q[0] ? -1 : 1)).map((e) => e[0]);
  const terms = levels.slice(1);
  const x = new Float64Array(
    rows.flatMap((r) => [1, r.a, r.b, ...terms.map((l) => (r.level === l ? 1 : 0))]),
  );
  return { x, y, terms: terms.map((l) => `c=${l}`) };
}

describe("streamed logistic regression", () => {
  it("equals the in-memory IRLS, reading the rows once per iteration", async () => {
    const m = generated("{ type: logistic, alpha: 0.5 }");
    let reads = 0;
    const read = (): AsyncIterable<RowBatch> => {
      reads++;
      return readRows(m.data, m.dataFile);
    };
    const fit = await fitLogistic({
      spec: m.spec,
      data: m.data,
      features: m.features,
      read,
      source: "data.csv",
    });
    const { x, y, terms } = await design(m);
    const names = ["(intercept)", "a", "b", ...terms];
    const reference = fitLogisticRegression(x, y, { columnNames: names, penalty: [0, 0.5, 0.5, 0.5, 0.5] });
    expect(reference.converged).toBe(true);
    const streamed = [fit.intercept!, ...names.slice(1).map((t) => fit.coefficients[t]!)];
    streamed.forEach((b, j) => expect(b).toBeCloseTo(reference.coefficients[j]!, 12));
    expect(fit.standardErrors["a"]).toBeCloseTo(reference.standardErrors[1]!, 12);
    expect(fit.trainingRows).toBe(y.length);
    // The statistics, the class count, then one pass per point IRLS evaluates (no halving here).
    expect(reads).toBe(2 + reference.iterations + 1);
  });

  it("searches every trial and fold in shared passes, then fits the chosen trial", async () => {
    const m = generated(
      "{ type: logistic }\nsearch: { folds: 3, space: { alpha: [0.01, 100] } }\nmetrics: { primary: log_loss }",
    );
    let reads = 0;
    const fit = await fitLogistic({
      spec: m.spec,
      data: m.data,
      features: m.features,
      read: () => {
        reads++;
        return readRows(m.data, m.dataFile);
      },
      source: "data.csv",
    });
    expect(fit.trials.map((t) => t.params.alpha)).toEqual([0.01, 100]);
    expect(fit.trials.every((t) => t.foldScores.length === 3 && t.foldScores.every((s) => s !== null))).toBe(
      true,
    );
    // A penalty of 100 on 450 rows shrinks the slopes a long way: the weaker penalty scores better.
    expect(fit.chosen).toBe(0);
    // Far fewer passes than 6 fold fits and a final fit one after another would take.
    expect(reads).toBeLessThan(30);
  });
});
