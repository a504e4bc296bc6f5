/**
 * Hostile specs and data (a spec can come from a pull request): each resource limit is refused as
 * invalid input (exit 2) naming the file and line, quickly, never as an internal error (exit 3).
 */
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { minimalProject, tempProject, type TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** Runs `modelgate validate` on the minimal project with some files replaced. */
async function validate(
  changes: Record<string, string>,
): Promise<{ code: number; stderr: string; ms: number }> {
  project = tempProject({ ...minimalProject, ...changes });
  const io = memoryIo(project.root);
  const t0 = performance.now();
  const code = await main(["validate"], io);
  return { code, stderr: io.stderr, ms: performance.now() - t0 };
}

/** "Billion laughs": nine levels of nine aliases each, 9^9 strings if expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i <= 8; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  return lines.join("\n") + "\n";
}

const dataSpec = minimalProject["data/houses.yml"];

describe("hostile specs", () => {
  it("refuses a YAML alias bomb as invalid input at the line of its first alias", async () => {
    const r = await validate({ "modelgate.yml": `models:\n  price: models/price.yml\n${aliasBomb()}` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^modelgate\.yml:4:\d+: aliases \(\*name\) here expand to more than 100 copies/m,
    );
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it("refuses more alias nodes than the limit, even when each expands to little", async () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `  k${i}: *v`).join("\n");
    const r = await validate({
      "modelgate.yml": `models:\n  price: models/price.yml\nv: &v 1\nx:\n${aliases}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^modelgate\.yml:\d+:\d+: the file uses more than 100 aliases/m);
  });

  it("refuses nesting deeper than the limit, and nesting deep enough to overflow the parser", async () => {
    const deep = await validate({
      "modelgate.yml": `models:\n  price: models/price.yml\nx: ${"[".repeat(40)}${"]".repeat(40)}\n`,
    });
    expect(deep.code).toBe(2);
    expect(deep.stderr).toMatch(/^modelgate\.yml:3:\d+: mappings and lists nest more than 32 levels deep/m);
    const abyss = await validate({
      "modelgate.yml": `models:\n  price: models/price.yml\nx: ${"[".repeat(200_000)}${"]".repeat(200_000)}\n`,
    });
    expect(abyss.code).toBe(2);
    expect(abyss.stderr).toMatch(
      /^modelgate\.yml:\d+:\d+: mappings and lists nest more than 32 levels deep/m,
    );
    expect(abyss.stderr).not.toMatch(/internal error|call stack/);
  });

  it("refuses a mapping of too many keys at once, not after a quadratic duplicate-key check", async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: 1`).join("\n");
    const r = await validate({ "modelgate.yml": `models:\n  price: models/price.yml\nx:\n${keys}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^modelgate\.yml:4:3: this mapping has 60000 entries; at most 20000 are allowed/m,
    );
    // The parser's own duplicate-key check took 67 s on this file (vitest, before the fix).
    expect(r.ms).toBeLessThan(10_000);
  });

  it("still finds a duplicate key", async () => {
    const r = await validate({ "modelgate.yml": "models:\n  price: models/price.yml\n  price: x.yml\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^modelgate\.yml:3:3: YAML syntax error: Map keys must be unique/m);
  });

  it("refuses a list of too many values in the whole file", async () => {
    const lists = Array.from({ length: 12 }, (_, i) => `l${i}: [${Array(9_000).fill("1").join(",")}]`).join(
      "\n",
    );
    const r = await validate({ "modelgate.yml": `models:\n  price: models/price.yml\n${lists}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^modelgate\.yml:\d+:\d+: the file holds more than 100000 values/m);
  });

  it("refuses a data spec of too many columns, naming the line of the list", async () => {
    const columns = Array.from({ length: 1001 }, (_, i) => `  - { name: c${i}, type: number }`).join("\n");
    const r = await validate({ "data/houses.yml": `file: houses.csv\ncolumns:\n${columns}\n` });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^data\/houses\.yml:3:3: "columns" has 1001 entries; at most 1000 are allowed/m);
  });

  it.each([10_001, 19_999])(
    "refuses a category of %i allowed values that are not even strings",
    async (n) => {
      const values = Array.from({ length: n }, (_, i) => i).join(", ");
      const r = await validate({
        "data/houses.yml": dataSpec.replace("values: [north, south]", `values: [${values}]`),
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^data\/houses\.yml:5:\d+: "columns\.2\.values" has \d+ entries; at most 10000/m,
      );
      expect(r.stderr).toContain(`has ${n} entries`);
    },
  );
});

describe("hostile data", () => {
  it("refuses a category column with more distinct values than the limit, naming the row", async () => {
    const rows = Array.from({ length: 10_050 }, (_, i) => `50,2,d${i},100`).join("\n");
    const r = await validate({
      "data/houses.yml": dataSpec.replace(", values: [north, south]", ""),
      "data/houses.csv": `area,rooms,district,price\n${rows}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/houses\.csv.*row 10001.*column "district".*more than 10000 distinct values/);
  });

  it("refuses a file of a huge number of columns quickly, by the header", async () => {
    const extra = Array.from({ length: 100_000 }, (_, i) => `x${i}`).join(",");
    const r = await validate({
      "data/houses.csv": `area,rooms,district,price,${extra}\n50,2,north,100${",1".repeat(100_000)}\n`,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /houses\.csv:1, column "x0": column "x0" is in the file but not in the data spec/,
    );
    expect(r.ms).toBeLessThan(10_000);
  });
});
