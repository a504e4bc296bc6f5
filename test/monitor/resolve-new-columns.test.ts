/** Finding new and missing columns in CSV, JSON, JSON Lines and Parquet files. */
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { resolveNewColumns } from "../../src/monitor/resolve-new-columns.js";
import { dataSpecSchema } from "../../src/project/schemas.js";
import { tempProject } from "../helpers/temp-project.js";

const project = tempProject({});
afterAll(() => project.remove());

const spec = (format: "csv" | "json" | "jsonl", header = true) =>
  dataSpecSchema.parse({
    file: `x.${format}`,
    format,
    header,
    columns: [
      { name: "a", type: "number" },
      { name: "b", type: "integer" },
      { name: "c", type: "category", values: ["u", "v"] },
    ],
    key: ["b"],
    checks: { minRows: 1000, maxMissingShare: 0 },
  });

const resolve = (format: "csv" | "json" | "jsonl", text: string, header = true) => {
  const file = project.write(`data-${Math.random().toString(36).slice(2)}.${format}`, text);
  return resolveNewColumns(spec(format, header), file, { file: "new-data", specFile: "data.yml" });
};

describe("new and missing columns", () => {
  it("CSV: by the header", async () => {
    const r = await resolve("csv", "c,z,a,w\nu,1,2.5,x\nv,2,3,y\n");
    expect(r.added).toEqual(["z", "w"]);
    expect(r.absent).toEqual(["b"]);
    expect(r.spec.columns.map((c) => [c.name, c.type])).toEqual([
      ["a", "number"],
      ["c", "category"],
      ["z", "string"],
      ["w", "string"],
    ]);
    // The split key named a missing column, and dataset checks do not apply to new batches.
    expect(r.spec.key).toBeUndefined();
    expect(r.spec.checks).toEqual({});
  });

  it("JSON: by the records' keys, also when a key is in every record and another in none", async () => {
    const records = Array.from({ length: 1500 }, (_, i) => ({ a: i, c: "u", extra: true }));
    const r = await resolve("json", JSON.stringify(records));
    expect(r.added).toEqual(["extra"]);
    expect(r.absent).toEqual(["b"]);
  });

  it("JSON Lines: keys only some records have are new columns all the same", async () => {
    const r = await resolve("jsonl", '{"a":1,"b":2,"c":"u"}\n{"a":1,"b":2,"c":"v","note":"x"}\n');
    expect(r.added).toEqual(["note"]);
    expect(r.absent).toEqual([]);
  });

  it("Parquet: by the file's schema, a new column typed as its file type reads", async () => {
    const file = project.file("x.parquet");
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    await connection.run(
      `COPY (SELECT 'u' AS c, 1::INTEGER AS z, 2.5::DOUBLE AS a, 'x' AS w, true AS f) TO '${file}' (FORMAT parquet)`,
    );
    const r = await resolveNewColumns({ ...spec("csv"), format: "parquet" }, file, {
      file: "new-data",
      specFile: "data.yml",
    });
    expect(r.added).toEqual(["z", "w", "f"]);
    expect(r.absent).toEqual(["b"]);
    expect(r.spec.columns.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ["a", "number", false],
      ["c", "category", false],
      ["z", "integer", true],
      ["w", "category", true],
      ["f", "boolean", true],
    ]);
  });

  it("a file with exactly the spec's columns changes nothing but the checks", async () => {
    const r = await resolve("csv", "a,b,c\n1,2,u\n");
    expect(r).toMatchObject({ added: [], absent: [] });
    expect(r.spec.columns.map((c) => c.name)).toEqual(["a", "b", "c"]);
  });

  it("a CSV file without a header is taken as the spec describes it", async () => {
    const r = await resolve("csv", "1,2,u\n", false);
    expect(r).toMatchObject({ added: [], absent: [] });
  });

  it("other problems are left to the real read, which reports them in full", async () => {
    const r = await resolve("csv", "a,b,c\n1,2\n");
    expect(r).toMatchObject({ added: [], absent: [] });
    const missing = project.file("no-such.csv");
    expect(await resolveNewColumns(spec("csv"), missing, { file: "x", specFile: "y" })).toMatchObject({
      added: [],
      absent: [],
    });
  });
});
