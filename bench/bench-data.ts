/**
 * The bench's reference data: a seeded CSV of 20 numeric features and a target, with the
 * modelgate project (modelgate.yml, data spec, model spec) that trains and evaluates it. The
 * same seed and row count always give the same bytes, so a cached file is reused.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { uniformOpen } from "../src/random.js";

/** Features in the reference data, as in the issue that set the targets. */
export const FEATURES = 20;

/** The generator behind the data: bump it when the bytes change, so caches are rebuilt. */
const DATA_VERSION = 1;

export interface BenchProject {
  /** Folder with modelgate.yml. */
  root: string;
  /** The CSV file. */
  csv: string;
  rows: number;
  bytes: number;
}

/**
 * Writes (or reuses) `<cache>/rows-<rows>-logistic/`: data.csv with x1..x20 as in
 * {@link benchProject} and a 0/1 column `y` drawn with P(y = 1) = 1 / (1 + exp(-η)),
 * η = -0.3 + Σ c_j x_j / scale_j with c_j = ±(j mod 4 + 1) / 10 (about 258 bytes a row), and the
 * specs of a logistic regression of y on every feature (standardised, the default penalty) with
 * a 20% test split and the default 1000 bootstrap resamples.
 */
export async function logisticBenchProject(
  cache: string,
  rows: number,
  seed = 20240611,
): Promise<BenchProject> {
  const root = path.join(cache, `rows-${rows}-logistic`);
  const csv = path.join(root, "data.csv");
  const stamp = path.join(root, "complete.json");
  const expected = JSON.stringify({ version: DATA_VERSION, rows, seed, task: "logistic" });
  const names = Array.from({ length: FEATURES }, (_, j) => `x${j + 1}`);
  if (!(existsSync(stamp) && readFileSync(stamp, "utf8") === expected)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, "modelgate.yml"), "version: 1\nmodels:\n  bench: model.yml\n");
    writeFileSync(
      path.join(root, "data.yml"),
      [
        "file: data.csv",
        "columns:",
        ...names.map((n) => `  - { name: ${n}, type: number }`),
        "  - { name: y, type: integer, min: 0, max: 1 }",
        "split: { test: 0.2, salt: bench }",
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(root, "model.yml"),
      [
        "data: data.yml",
        "task: classification",
        "target: y",
        "positiveClass: 1",
        `features: [${names.join(", ")}]`,
        "preprocessing: { scale: standard }",
        "algorithm: { type: logistic }",
        "metrics: { primary: auc, bootstrap: { samples: 1000, seed: 7 } }",
        "",
      ].join("\n"),
    );
    const u = uniformOpen(seed);
    const normal = normalFrom(u);
    const scales = names.map((_, j) => 10 ** ((j % 5) - 1));
    const handle = await open(csv, "w");
    try {
      let chunk = `${names.join(",")},y\n`;
      for (let i = 0; i < rows; i++) {
        let eta = -0.3;
        for (let j = 0; j < FEATURES; j++) {
          const z = normal();
          eta += (j % 2 ? -1 : 1) * (((j % 4) + 1) / 10) * z;
          chunk += `${(z * scales[j]!).toFixed(8)},`;
        }
        chunk += u() < 1 / (1 + Math.exp(-eta)) ? "1\n" : "0\n";
        if (chunk.length > 1 << 20) {
          await handle.write(chunk);
          chunk = "";
        }
      }
      await handle.write(chunk);
    } finally {
      await handle.close();
    }
    writeFileSync(stamp, expected);
  }
  const { size } = await (await import("node:fs/promises")).stat(csv);
  return { root, csv, rows, bytes: size };
}

/** Standard normal draws from uniform ones (Box-Muller, both values used). */
function normalFrom(u: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

/**
 * Writes (or reuses) `<cache>/rows-<rows>/`: data.csv with a header row and `rows` rows of
 * x1..x20 (normal, each with its own scale) and y = 1.5 + Σ j·x_j/10 + normal noise, all with
 * 8 decimals (about 275 bytes a row), and the specs of a linear model of y on every feature
 * with a 20% test split and the default 1000 bootstrap resamples. With `categories` k, every
 * fifth feature from x2 on, k of them, is a category column instead (`rows-<rows>-c<k>/`): the
 * level (l0 to l4) of its normal draw, which adds j·level/10 to y.
 */
export async function benchProject(
  cache: string,
  rows: number,
  seed = 20240611,
  categories = 0,
): Promise<BenchProject> {
  const root = path.join(cache, `rows-${rows}${categories > 0 ? `-c${categories}` : ""}`);
  const csv = path.join(root, "data.csv");
  const stamp = path.join(root, "complete.json");
  const expected = JSON.stringify({
    version: DATA_VERSION,
    rows,
    seed,
    ...(categories > 0 ? { categories } : {}),
  });
  const names = Array.from({ length: FEATURES }, (_, j) => `x${j + 1}`);
  const isCategory = names.map((_, j) => j % 5 === 1 && (j - 1) / 5 < categories);
  if (!(existsSync(stamp) && readFileSync(stamp, "utf8").startsWith(expected.slice(0, -1)))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, "modelgate.yml"), "version: 1\nmodels:\n  bench: model.yml\n");
    writeFileSync(
      path.join(root, "data.yml"),
      [
        "file: data.csv",
        "columns:",
        ...names.map((n, j) => `  - { name: ${n}, type: ${isCategory[j] ? "category" : "number"} }`),
        "  - { name: y, type: number }",
        "split: { test: 0.2, salt: bench }",
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(root, "model.yml"),
      [
        "data: data.yml",
        "task: regression",
        "target: y",
        `features: [${names.join(", ")}]`,
        "algorithm: { type: linear }",
        "metrics: { primary: rmse, bootstrap: { samples: 1000, seed: 7 } }",
        "",
      ].join("\n"),
    );
    await writeCsv(csv, rows, seed, names, isCategory);
    writeFileSync(stamp, expected);
  }
  const { size } = await (await import("node:fs/promises")).stat(csv);
  return { root, csv, rows, bytes: size };
}

async function writeCsv(
  file: string,
  rows: number,
  seed: number,
  names: string[],
  isCategory: boolean[],
): Promise<void> {
  const u = uniformOpen(seed);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(u()));
    const t = 2 * Math.PI * u();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  const scales = names.map((_, j) => 10 ** ((j % 5) - 1));
  const handle = await open(file, "w");
  try {
    let chunk = `${names.join(",")},y\n`;
    for (let i = 0; i < rows; i++) {
      let y = 1.5;
      for (let j = 0; j < FEATURES; j++) {
        const x = normal() * scales[j]!;
        if (isCategory[j]) {
          const level = Math.min(4, Math.max(0, Math.floor(x / scales[j]! + 2.5)));
          y += ((j + 1) / 10) * level;
          chunk += `l${level},`;
          continue;
        }
        y += ((j + 1) / 10) * x;
        chunk += `${x.toFixed(8)},`;
      }
      chunk += `${(y + normal()).toFixed(8)}\n`;
      if (chunk.length > 1 << 20) {
        await handle.write(chunk);
        chunk = "";
      }
    }
    await handle.write(chunk);
  } finally {
    await handle.close();
  }
}
