/** `modelgate predict`: a saved model scores new rows, unseen categories included. */
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { parseModelFile } from "../../src/model/model-file.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const spec =
  "file: FILE\ncolumns:\n  - { name: x, type: number }\n  - { name: c, type: category }\n  - { name: y, type: number }\nsplit: { test: 0 }\n";

describe("modelgate predict", () => {
  it("scores rows with the model's own pipeline, and an unseen category as a missing value", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => {
      const c = i % 3 === 0 ? "b" : "a";
      return `${i},${c},${(2 * i + (c === "b" ? 5 : 0) + (i % 2) * 0.1).toFixed(2)}`;
    });
    project = tempProject({
      "modelgate.yml": "models:\n  m: model.yml\n",
      "train.yml": spec.replace("FILE", "train.csv"),
      "train.csv": `x,c,y\n${rows.join("\n")}\n`,
      "model.yml": "data: train.yml\ntarget: y\nfeatures: [x, c]\n",
      // New rows have no target yet, and may miss a value: the spec of new data says so.
      "new.yml": spec
        .replace("FILE", "new.csv")
        .replace(/type: number \}/g, "type: number, nullable: true }"),
      "new.csv": "x,c,y\n10,a,\n10,b,\n10,zebra,\n,a,\n",
    });
    const io = memoryIo(project.root);
    expect(await main(["train", "--out", "out"], io)).toBe(0);
    const model = parseModelFile(readFileSync(project.file("out/m.json"), "utf8"), "m.json");
    const b = model.coefficients["c=b"]!;
    const slope = model.coefficients["x"]!;
    const fillX = model.pipeline.features[0]!.kind === "numeric" ? model.pipeline.features[0]!.fill! : NaN;

    const predictIo = memoryIo(project.root);
    const code = await main(
      ["predict", "--model", "out/m.json", "--data", "new.csv", "--spec", "new.yml"],
      predictIo,
    );
    expect(predictIo.stderr).toBe(
      "warning: 1 category values were unseen in training; scored as missing (imputed)\n",
    );
    expect(code).toBe(0);
    const [header, ...lines] = predictIo.stdout.trim().split("\n");
    expect(header).toBe("row,prediction");
    const p = lines.map((l) => Number(l.split(",")[1]));
    expect(p[1]! - p[0]!).toBeCloseTo(b, 10); // b against the reference level a
    expect(p[2]).toBeCloseTo(p[0]!, 10); // "zebra" is imputed with the most frequent level, a
    expect(p[0]! - p[3]!).toBeCloseTo(slope * (10 - fillX), 10); // a missing x is imputed with its mean
  });

  describe("without --spec: the model file gives the columns and types", () => {
    const trainRows = Array.from({ length: 40 }, (_, i) => {
      const c = i % 3 === 0 ? "b" : "a";
      return `${i},${c},${(2 * i + (c === "b" ? 5 : 0) + (i % 2) * 0.1).toFixed(2)}`;
    });

    async function trained(files: Record<string, string>): Promise<void> {
      project = tempProject({
        "modelgate.yml": "models:\n  m: model.yml\n",
        "train.yml": spec.replace("FILE", "train.csv"),
        "train.csv": `x,c,y\n${trainRows.join("\n")}\n`,
        "model.yml": "data: train.yml\ntarget: y\nfeatures: [x, c]\n",
        ...files,
      });
      expect(await main(["train", "--out", "out"], memoryIo(project.root))).toBe(0);
    }

    /** New rows with a data spec of their own: what each spec-less read must score alike. */
    const newRows = {
      "new.yml": spec
        .replace("FILE", "new.csv")
        .replace(/type: number \}/g, "type: number, nullable: true }"),
      "new.csv": "x,c,y\n10,a,\n10,b,\n10,zebra,\n,a,\n",
    };

    async function predict(data: string, ...more: string[]) {
      const io = memoryIo(project!.root);
      const code = await main(["predict", "--model", "out/m.json", "--data", data, ...more], io);
      return { code, stdout: io.stdout, stderr: io.stderr };
    }

    it("scores a CSV file with other columns in any order, as the spec would", async () => {
      await trained({
        ...newRows,
        // Reordered, without the target, with an id column the model never saw.
        "bare.csv": "id,c,x\nr1,a,10\nr2,b,10\nr3,zebra,10\nr4,a,\n",
        "bare.jsonl":
          '{"c":"a","x":10,"id":"r1"}\n{"c":"b","x":10}\n{"c":"zebra","x":10,"note":"new key"}\n{"c":"a","x":null}\n',
        "bare.json": '[{"c":"a","x":10},{"c":"b","x":10},\n{"c":"zebra","x":10},{"c":"a"}]',
      });
      const withSpec = await predict("new.csv", "--spec", "new.yml");
      expect(withSpec.code).toBe(0);
      for (const file of ["bare.csv", "bare.jsonl", "bare.json"]) {
        const r = await predict(file);
        expect(r.stderr).toBe(
          "warning: 1 category values were unseen in training; scored as missing (imputed)\n",
        );
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(withSpec.stdout);
      }
    });

    it("scores a Parquet file from its footer's columns and types, and names a type the model cannot read", async () => {
      await trained({
        ...newRows,
      });
      const db = await DuckDBInstance.create(":memory:");
      const c = await db.connect();
      const out = (name: string) => project!.file(name).replaceAll("'", "''");
      // Columns the model never saw, of other types than text (an integer, a double, a date).
      await c.run(
        `COPY (SELECT * FROM (VALUES ('r1', 7, 10.0, 'a', 1.5, DATE '2024-01-02'), ('r2', 8, 10.0, 'b', 2.5, NULL),
           ('r3', 9, 10.0, 'zebra', NULL, DATE '2024-01-04'), ('r4', 10, NULL, 'a', 3.5, DATE '2024-01-05'))
           AS t(id, n, x, c, w, day)) TO '${out("bare.parquet")}' (FORMAT parquet, COMPRESSION snappy)`,
      );
      await c.run(
        `COPY (SELECT 'ten' AS x, 'a' AS c) TO '${out("text.parquet")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
      c.closeSync();
      const withSpec = await predict("new.csv", "--spec", "new.yml");
      const parquet = await predict("bare.parquet");
      expect(parquet.stderr).toBe(
        "warning: 1 category values were unseen in training; scored as missing (imputed)\n",
      );
      expect(parquet.code).toBe(0);
      expect(parquet.stdout).toBe(withSpec.stdout);
      const text = await predict("text.parquet");
      expect(text.code).toBe(2);
      expect(text.stderr).toMatch(/text\.parquet.*column "x".*STRING/);
    });

    it("names the columns the file lacks, with exit 2", async () => {
      await trained({ "wrong.csv": "X,colour,y\n10,a,1\n", "wrong.jsonl": '{"x":1}\n{"x":2}\n' });
      const csv = await predict("wrong.csv");
      expect(csv.code).toBe(2);
      expect(csv.stderr).toMatch(
        /wrong\.csv:1: the file has no columns "x", "c", which the model m needs\n\s+hint: the model was trained on "x", "c"; the file has "X", "colour", "y"/,
      );
      project!.write("wide.csv", `x,c,${Array.from({ length: 1000 }, (_, i) => `z${i}`).join(",")}\n`);
      const wide = await predict("wide.csv");
      expect(wide.code).toBe(2);
      expect(wide.stderr).toMatch(/wide\.csv:1: the file has 1002 columns; at most 1000 can be read/);
      const jsonl = await predict("wrong.jsonl");
      expect(jsonl.code).toBe(2);
      expect(jsonl.stderr).toMatch(/wrong\.jsonl: the file has no column "c", which the model m needs/);
    });

    it("refuses a value of the wrong type at its row, and a CSV file without a header", async () => {
      await trained({ "text.csv": "x,c\n10,a\nten,b\n", "empty.csv": "" });
      const text = await predict("text.csv");
      expect(text.code).toBe(2);
      expect(text.stderr).toMatch(/text\.csv:3, row 2, column "x"/);
      const empty = await predict("empty.csv");
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/empty\.csv:1: the file has no header row naming its columns/);
    });
  });
});
