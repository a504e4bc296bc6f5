/**
 * The bench's dialect case: the reference data written as a census export writes it, a space
 * after every comma and `?` for about 2% of the feature values, read with `trim: true` and
 * `missing: ["?"]` (the features nullable, imputed with their mean). It shows that such a file
 * stays on the fast path (the WebAssembly kernel reads trimmed fields and markers itself).
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { FEATURES, benchProject, type BenchProject } from "./bench-data.js";

/** The bench's dialect tasks, and the child task each one runs on the dialect project. */
export const DIALECT_TASKS = [
  { task: "run-dialect", label: "modelgate run, CSV with trim + missing markers", child: "run" },
  { task: "ingest-dialect", label: "ingest alone, CSV with trim + missing markers", child: "ingest" },
] as const;

/** Whether a task reads the dialect project. */
export function isDialectTask(task: string): boolean {
  return DIALECT_TASKS.some((t) => t.task === task);
}

/** The child task a bench task runs. */
export function dialectChildTask(task: string): string {
  return DIALECT_TASKS.find((t) => t.task === task)?.child ?? task;
}

/** Writes (or reuses) `<cache>/rows-<rows>-dialect/` from the reference data of that size. */
export async function dialectBenchProject(cache: string, rows: number): Promise<BenchProject> {
  const source = await benchProject(cache, rows);
  const root = path.join(cache, `rows-${rows}-dialect`);
  const csv = path.join(root, "data.csv");
  const stamp = path.join(root, "complete.json");
  const expected = JSON.stringify({ version: 1, rows, from: source.bytes });
  const names = Array.from({ length: FEATURES }, (_, j) => `x${j + 1}`);
  if (!(existsSync(stamp) && readFileSync(stamp, "utf8") === expected)) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, "modelgate.yml"), "version: 1\nmodels:\n  bench: model.yml\n");
    writeFileSync(
      path.join(root, "data.yml"),
      [
        "file: data.csv",
        "trim: true",
        'missing: ["?"]',
        "columns:",
        ...names.map((n) => `  - { name: ${n}, type: number, nullable: true }`),
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
        "preprocessing: { impute: { numeric: mean } }",
        "algorithm: { type: linear }",
        "metrics: { primary: rmse, bootstrap: { samples: 1000, seed: 7 } }",
        "",
      ].join("\n"),
    );
    const handle = await open(csv, "w");
    try {
      let chunk = "";
      let row = 0;
      for await (const line of createInterface({ input: createReadStream(source.csv) })) {
        const cells = line.split(",");
        // About one feature value in 50 is "?" (never the target), at a fixed pattern.
        if (row > 0) for (let j = 0; j < FEATURES; j++) if ((row * 7 + j * 13) % 50 === 0) cells[j] = "?";
        chunk += cells.join(", ") + "\n";
        row++;
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
