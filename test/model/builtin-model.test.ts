/**
 * Scoring a batch a term at a time (predictRows, fillRows) gives the numbers of scoring row by
 * row (predict, fill), bit for bit: on the examples' champions, and on a variant with a squared
 * term, a feature without imputation, missing values and category levels the model never saw.
 */
import path from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ColumnVector, RowBatch } from "../../src/data/row-batch.js";
import { readRows } from "../../src/data/scan-dataset.js";
import { loadProject } from "../../src/project/load-project.js";
import type { ModelFile } from "../../src/model/model-file.js";
import { makeScorer } from "../../src/model/builtin-model.js";

const root = path.resolve(import.meta.dirname, "../..");

async function exampleBatches(name: string): Promise<{ batches: RowBatch[]; columns: string[] }> {
  const m = loadProject(path.join(root, "examples", name, "modelgate.yml")).models[0]!;
  const batches: RowBatch[] = [];
  for await (const b of readRows(m.data, m.dataFile, { batchSize: 97 })) batches.push(b);
  return { batches, columns: m.data.columns.map((c) => c.name) };
}

const modelOf = (file: string): ModelFile =>
  JSON.parse(readFileSync(path.join(root, "examples", file), "utf8")) as ModelFile;

/** The credit champion with amount_dm squared as well and duration_months without imputation. */
function creditVariant(): ModelFile {
  const m = structuredClone(modelOf("credit/.modelgate/models/credit-risk/v1.json"));
  for (const f of m.pipeline.features) {
    if (f.kind !== "numeric") continue;
    if (f.name === "amount_dm") {
      f.degree = 2;
      f.terms = ["amount_dm", "amount_dm^2"];
      f.mean = [f.mean[0]!, f.mean[0]! ** 2];
      f.std = [f.std[0]!, f.std[0]! ** 2];
      m.coefficients["amount_dm^2"] = -1e-8;
    }
    if (f.name === "duration_months") {
      f.impute = "none";
      f.fill = null;
    }
  }
  return m;
}

/** A copy of the batch with some values missing and one category level renamed (unseen). */
function perturbed(batch: RowBatch, seed: number): RowBatch {
  const columns = batch.columns.map((col, c): ColumnVector => {
    if (col.kind === "numeric") {
      const values = col.values.slice();
      for (let i = (seed + c) % 7; i < values.length; i += 7) values[i] = NaN;
      return { ...col, values };
    }
    if (col.kind === "category") {
      const codes = col.codes.slice();
      for (let i = (seed + c) % 5; i < codes.length; i += 11) codes[i] = -1;
      const levels = col.levels.map((l, k) => (k === 1 ? `${l} (new)` : l));
      return { ...col, codes, levels };
    }
    return col;
  });
  return { ...batch, columns };
}

function compare(model: ModelFile, batches: readonly RowBatch[], columns: readonly string[]): number {
  const byRow = makeScorer(model, columns);
  const byTerm = makeScorer(model, columns);
  const features = model.pipeline.features;
  const termFeature = features.flatMap((f, fi) => f.terms.map(() => fi));
  let scored = 0;
  for (const batch of batches) {
    // Every other row, in order: rows are picked, not taken whole.
    const rows = Int32Array.from({ length: Math.ceil(batch.length / 2) }, (_, k) => 2 * k);
    const out = new Float64Array(rows.length);
    const byFeature = new Float64Array(rows.length * features.length);
    byTerm.predictRows(batch, rows, rows.length, out, byFeature);
    rows.forEach((i, t) => {
      const expected = byRow.predict(batch, i);
      expect(Object.is(out[t], expected) || (Number.isNaN(out[t]!) && Number.isNaN(expected))).toBe(true);
      if (Number.isNaN(expected)) return;
      scored++;
      const perFeature = new Float64Array(features.length);
      byRow.contributions.forEach((c, j) => (perFeature[termFeature[j]!]! += c));
      perFeature.forEach((v, f) => expect(byFeature[f * rows.length + t]).toBe(v));
    });
    const width = byRow.bound.width;
    const terms = new Float64Array(width * rows.length);
    const unseen = byTerm.bound.fillRows(batch, rows, rows.length, terms, true);
    let unseenByRow = 0;
    const row = new Float64Array(width);
    rows.forEach((i, t) => {
      unseenByRow += byRow.bound.fill(batch, i, row, 0, true);
      row.forEach((v, j) => expect(terms[j * rows.length + t]).toBe(v));
    });
    expect(unseen).toBe(unseenByRow);
  }
  expect(byTerm.unseen).toBe(byRow.unseen);
  return scored;
}

describe("scoring a term at a time", () => {
  it("predicts the cars and credit champions' numbers exactly as row by row", async () => {
    const cars = await exampleBatches("cars");
    expect(
      compare(modelOf("cars/.modelgate/models/mpg/v1.json"), cars.batches, cars.columns),
    ).toBeGreaterThan(100);
    const credit = await exampleBatches("credit");
    expect(
      compare(modelOf("credit/.modelgate/models/credit-risk/v1.json"), credit.batches, credit.columns),
    ).toBeGreaterThan(400);
  });

  it("does so with powers, missing values, no imputation and unseen levels", async () => {
    const credit = await exampleBatches("credit");
    const batches = credit.batches.map((b, k) => perturbed(b, k));
    const model = creditVariant();
    const scored = compare(model, batches, credit.columns);
    expect(scored).toBeGreaterThan(300);
    expect(scored).toBeLessThan(500); // rows without duration_months cannot be scored
    const scorer = makeScorer(model, credit.columns);
    for (const b of batches)
      scorer.predictRows(b, Int32Array.from(b.row.keys()), b.length, new Float64Array(b.length));
    expect(scorer.unseen).toBeGreaterThan(0);
  });
});
