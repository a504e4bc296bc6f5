/**
 * A small regression project for monitoring tests: training data with known distributions, the
 * model trained and evaluated on it as the production version, and new data drawn with
 * controlled shifts.
 */
import path from "node:path";
import type { ModelVersion } from "../../src/registry/registry-document.js";
import type { Champion } from "../../src/model/load-model.js";
import { evaluateModel } from "../../src/run/evaluate-model.js";
import { uniformOpen } from "../../src/random.js";
import { loadProject, type LoadedModel } from "../../src/project/load-project.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

/** Uniform floats in (0, 1), seeded, for data the tests draw themselves. */
export const random = uniformOpen;

/** A standard normal draw (Box–Muller). */
export function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

export interface Shift {
  /** Added to x1 (in its standard deviations: x1 ~ N(0, 1)). */
  x1Mean?: number;
  /** Standard deviation of x2 (2 in training). */
  x2Sd?: number;
  /** Share of rows whose `cat` is the unseen value "d". */
  newCategory?: number;
  /** Drop column x2. */
  dropX2?: boolean;
  /** Add a column `extra`. */
  addColumn?: boolean;
  /** Multiplies the noise of y (1 in training): the relation between features and target degrades. */
  noise?: number;
  /** Leave out the target column. */
  noTarget?: boolean;
}

/**
 * Rows of x1 ~ N(0, 1), x2 ~ N(5, 2), cat in a/b/c with shares 0.5/0.3/0.2, and
 * y = 1 + 2 x1 - x2 + 0.5 cat_b + N(0, 1) noise, as CSV.
 */
export function drawRows(rows: number, seed: number, shift: Shift = {}): string {
  const u = random(seed);
  const cols = ["x1", ...(shift.dropX2 ? [] : ["x2"]), "cat", ...(shift.noTarget ? [] : ["y"])];
  if (shift.addColumn) cols.push("extra");
  const lines = [cols.join(",")];
  for (let i = 0; i < rows; i++) {
    const x1 = normal(u) + (shift.x1Mean ?? 0);
    const x2 = 5 + (shift.x2Sd ?? 2) * normal(u);
    const r = u();
    const cat =
      shift.newCategory !== undefined && u() < shift.newCategory ? "d" : r < 0.5 ? "a" : r < 0.8 ? "b" : "c";
    const y = 1 + 2 * x1 - x2 + (cat === "b" ? 0.5 : 0) + (shift.noise ?? 1) * normal(u);
    const row: Record<string, string> = {
      x1: x1.toFixed(5),
      x2: x2.toFixed(5),
      cat,
      y: y.toFixed(5),
      extra: String(i % 7),
    };
    lines.push(cols.map((c) => row[c]).join(","));
  }
  return lines.join("\n") + "\n";
}

export const DATA_SPEC = [
  "file: train.csv",
  "columns:",
  "  - { name: x1, type: number }",
  "  - { name: x2, type: number }",
  "  - { name: cat, type: category }",
  "  - { name: y, type: number, nullable: true }",
  "split: { test: 0.3, salt: monitor }",
  "",
].join("\n");

export const MODEL_SPEC = [
  "data: data.yml",
  "target: y",
  "features: [x1, x2, cat]",
  "metrics: { report: [rmse, mae], bootstrap: { samples: 200 } }",
  "gate:",
  '  rmse: { maxRelativeWorsening: "20%" }',
  "",
].join("\n");

export interface Trained {
  project: TempProject;
  model: LoadedModel;
  production: Champion;
  recorded: ModelVersion;
  root: string;
}

/** Trains the model on `rows` training rows and makes it the production version 1. */
export async function trainProduction(rows = 2000, seed = 1): Promise<Trained> {
  const project = tempProject({
    "modelgate.yml": "models:\n  demand: model.yml\n",
    "data.yml": DATA_SPEC,
    "model.yml": MODEL_SPEC,
    "train.csv": drawRows(rows, seed),
  });
  const loaded = loadProject(path.join(project.root, "modelgate.yml"), { displayBase: project.root });
  const model = loaded.models[0]!;
  const evaluation = await evaluateModel(model, {
    root: project.root,
    displayBase: project.root,
    champion: null,
  });
  const metrics: Record<string, number | null> = {};
  for (const [name, estimate] of Object.entries(evaluation.report.challenger.metrics))
    metrics[name] = estimate.value;
  const sha256 = evaluation.report.challenger.modelSha256;
  return {
    project,
    model,
    root: project.root,
    production: { alias: "production", version: 1, model: evaluation.model, sha256 },
    recorded: {
      version: 1,
      createdAt: "2024-05-01T12:00:00Z",
      mergeCommit: null,
      pr: null,
      headSha: "abcdef1",
      specHash: model.specHash,
      dataHash: evaluation.model.dataHash,
      modelSha256: sha256,
      metrics,
      file: "models/demand/v1.json",
    },
  };
}
