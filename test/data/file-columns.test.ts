/** Column names of a data file read without a data spec. */
import { afterEach, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { readFileColumns } from "../../src/data/file-columns.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

async function columnsOf(name: string, content: string, maxColumns?: number) {
  project = tempProject({ [name]: content });
  return readFileColumns(project.file(name), { file: name, ...(maxColumns ? { maxColumns } : {}) });
}

describe("readFileColumns", () => {
  it("reads a CSV header with a byte order mark, quotes and a line break inside a name", async () => {
    const r = await columnsOf("a.csv", '\ufeffid,"a ""quoted"" name","two\nlines",last\n1,2,3,4\n');
    expect(r).toEqual({
      format: "csv",
      delimiter: ",",
      names: ["id", 'a "quoted" name', "two\nlines", "last"],
    });
  });

  it("reads a header row that is the whole file, without a final line break, and a .tsv by tabs", async () => {
    expect((await columnsOf("b.csv", "x,y")).names).toEqual(["x", "y"]);
    const tsv = await columnsOf("c.tsv", "x\ty,z\n1\t2\n");
    expect(tsv.delimiter).toBe("\t");
    expect(tsv.names).toEqual(["x", "y,z"]);
  });

  it("collects the keys of every record of JSON Lines and of a JSON array split across reads", async () => {
    const lines = Array.from({ length: 80_000 }, (_, i) => JSON.stringify({ a: i, [`k${i % 3}`]: "x" }));
    expect((await columnsOf("d.jsonl", `${lines.join("\n")}\n`)).names).toEqual(["a", "k0", "k1", "k2"]);
    const array = await columnsOf("e.json", `[\n${lines.join(",\n")}\n, {"late": "{not a brace}"}]`);
    expect(array.names).toEqual(["a", "k0", "k1", "k2", "late"]);
  });

  it("stops at a record that is not valid JSON (the read that follows names it)", async () => {
    expect((await columnsOf("f.jsonl", '{"a":1}\n{"b":\n{"c":3}\n')).names).toEqual(["a"]);
  });

  it("refuses too many keys, an empty CSV file and an unknown extension, naming the file", async () => {
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i])));
    await expect(columnsOf("g.jsonl", wide, 20)).rejects.toThrow(
      /g\.jsonl: the records have more than 20 distinct keys/,
    );
    await expect(columnsOf("h.csv", "")).rejects.toThrow(/h\.csv:1: the file has no header row/);
    await expect(columnsOf("i.parquet", "PAR1")).rejects.toBeInstanceOf(InputError);
    const xlsx = await columnsOf("j.xlsx", "x\n1\n").catch((e: unknown) => e);
    expect((xlsx as InputError).problems).toEqual([
      {
        file: "j.xlsx",
        message: 'cannot tell the format of the data from the extension ".xlsx"',
        hint: "name the file .csv, .json, .jsonl or .parquet, or pass --spec with a data spec that sets `format`",
      },
    ]);
  });
});
