/**
 * One measured task of the bench, run in its own process so that its peak memory is the
 * operating system's number for it alone:
 *
 *   node build/bench/bench-child.js <task> <project folder> [out folder]
 *
 * Tasks: `run` (the `modelgate run` command, train + evaluate), `ingest` (one checked pass over
 * the data: every check, hash and profile; a worker thread parses while this one profiles),
 * `ingest-one-thread` (the same pass on one thread), `ingest-javascript` (the same pass with the
 * JavaScript tokenizer instead of the WebAssembly kernel), `split-number` (a plain split-and-Number loop, the
 * floor a hand-written loader reaches), `csv-parse-ml-regression` (csv-parse's streaming reader
 * into arrays, then ml-regression-multivariate-linear's fit: the baseline the issue set) and
 * `ml-regression` (the same fit loaded by the plain loop), and the parsers measured as candidates
 * for the ingest, each streaming the file to numbers: `udsv`, `csv-parser` (then Number()) and
 * `papaparse`. The result, CPU seconds and peak resident memory, is written as JSON to file
 * descriptor 3.
 */
import type { main as runCli } from "../cli/main.js";
import { createReadStream, writeSync } from "node:fs";
import path from "node:path";

interface TaskResult {
  /** Something the task computed, printed so a reader can see it did the work. */
  check: string;
  exitCode?: number;
}

/** Every line after the header, split at commas and read with Number(). */
async function splitNumber(file: string, onRow: (values: number[]) => void): Promise<number> {
  let rest = "";
  let header = true;
  let rows = 0;
  const handle = (line: string) => {
    if (header) {
      header = false;
      return;
    }
    if (line === "") return;
    const cells = line.split(",");
    const values = new Array<number>(cells.length);
    for (let k = 0; k < cells.length; k++) values[k] = Number(cells[k]);
    rows++;
    onRow(values);
  };
  for await (const chunk of createReadStream(file, { encoding: "utf8", highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      handle(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  handle(rest);
  return rows;
}

/** Rows and the sum of their values, the check the parsing tasks print (as the plain loop's). */
class RowSum {
  private rows = 0;
  private sum = 0;
  add(values: readonly number[]): void {
    this.rows++;
    for (const x of values) this.sum += x;
  }
  check(): string {
    return `${this.rows} rows, sum ${this.sum.toPrecision(8)}`;
  }
}

async function runTask(task: string, root: string, out: string): Promise<TaskResult> {
  const csv = path.join(root, "data.csv");
  switch (task) {
    case "run": {
      // The bundle that bin/modelgate.js runs (npm run build), imported here, not at the top, so
      // each task's memory holds only what it uses.
      const bundle = new URL("../cli-bundle/main.js", import.meta.url).href;
      const { main } = (await import(bundle)) as { main: typeof runCli };
      const exitCode = await main(["run", "--config", path.join(root, "modelgate.yml"), "--out", out]);
      return { check: `exit code ${exitCode}`, exitCode };
    }
    case "ingest":
    case "ingest-one-thread":
    case "ingest-javascript": {
      const { scanDataset } = await import("../src/data/index.js");
      const { loadProject } = await import("../src/project/load-project.js");
      const project = loadProject(path.join(root, "modelgate.yml"));
      const m = project.models[0]!;
      // As modelgate validate reads: the batch arrays go back to the read worker for reuse.
      const scan = await scanDataset(m.data, m.dataFile, {
        recycle: true,
        ...(task === "ingest-one-thread" ? { worker: false } : {}),
        ...(task === "ingest-javascript" ? { csvKernel: false } : {}),
      });
      return { check: `${scan.rows} rows, ${scan.test} test, sha256 ${scan.sha256.slice(0, 12)}` };
    }
    case "split-number": {
      let sum = 0;
      const rows = await splitNumber(csv, (v) => {
        for (const x of v) sum += x;
      });
      return { check: `${rows} rows, sum ${sum.toPrecision(8)}` };
    }
    case "csv-parse-ml-regression": {
      const { parse } = await import("csv-parse");
      const { default: MultivariateLinearRegression } = await import("ml-regression-multivariate-linear");
      const x: number[][] = [];
      const y: number[][] = [];
      for await (const record of createReadStream(csv).pipe(parse({ cast: true, fromLine: 2 }))) {
        const v = record as number[];
        y.push([v.pop()!]);
        x.push(v);
      }
      const fit = new MultivariateLinearRegression(x, y);
      return { check: `${x.length} rows, x20 coefficient ${fit.weights[19]![0]!.toPrecision(8)}` };
    }
    case "udsv": {
      const { inferSchema, initParser } = await import("udsv");
      let parser: ReturnType<typeof initParser> | undefined;
      const sum = new RowSum();
      for await (const chunk of createReadStream(csv, { encoding: "utf8", highWaterMark: 1 << 20 })) {
        parser ??= initParser(inferSchema(chunk as string));
        parser.chunk<number[]>(chunk as string, parser.typedArrs, (row) => sum.add(row));
      }
      parser?.end();
      return { check: sum.check() };
    }
    case "csv-parser": {
      const { default: csvParser } = await import("csv-parser");
      const sum = new RowSum();
      for await (const record of createReadStream(csv).pipe(csvParser()))
        sum.add(Object.values(record as Record<string, string>).map(Number));
      return { check: sum.check() };
    }
    case "papaparse": {
      const { default: Papa } = await import("papaparse");
      const sum = new RowSum();
      let header = true;
      await new Promise<void>((resolve, reject) => {
        Papa.parse<unknown[]>(createReadStream(csv), {
          dynamicTyping: true,
          skipEmptyLines: true,
          chunk: (results) => {
            for (const row of results.data) {
              if (header) header = false;
              else sum.add(row as number[]);
            }
          },
          complete: () => resolve(),
          error: (error: Error) => reject(error),
        });
      });
      return { check: sum.check() };
    }
    case "ml-regression": {
      const { default: MultivariateLinearRegression } = await import("ml-regression-multivariate-linear");
      const x: number[][] = [];
      const y: number[][] = [];
      await splitNumber(csv, (v) => {
        y.push([v.pop()!]);
        x.push(v);
      });
      const fit = new MultivariateLinearRegression(x, y);
      return { check: `${x.length} rows, x20 coefficient ${fit.weights[19]![0]!.toPrecision(8)}` };
    }
    default:
      throw new Error(`unknown bench task ${task}`);
  }
}

const [task, root, out = path.join(root ?? ".", "out")] = process.argv.slice(2);
if (task === undefined || root === undefined) throw new Error("usage: bench-child <task> <project> [out]");
const result = await runTask(task, path.resolve(root), path.resolve(out));
const usage = process.resourceUsage();
writeSync(
  3,
  JSON.stringify({
    ...result,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    maxRssMb: usage.maxRSS / 1024,
  }),
);
process.exitCode = result.exitCode ?? 0;
