/**
 * `modelgate validate` on the census-style fixture (", " after every comma, "?" for a missing
 * value), described by its data spec alone; a bad cell in it is exit 2 at its row and column.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const census = path.join(repoRoot, "test/fixtures/data/dialects/census");
let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const cli = (args: string[], cwd = repoRoot) => runCli(cwd, args);

describe("modelgate validate on a census-style CSV", () => {
  it("reads it with trim and missing markers", async () => {
    const r = await cli(["validate", "--config", "test/fixtures/data/dialects/census/modelgate.yml"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("ok: 1 model valid");
    expect(r.out).toMatch(/rows {7}60 /);
    expect(r.out).toMatch(/missing +workclass \d+, occupation \d+/);
  });

  it("exits 2 at the row and column of a bad cell", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "modelgate-census-"));
    cpSync(census, dir, { recursive: true });
    const file = path.join(dir, "data/adult.csv");
    const lines = readFileSync(file, "utf8").split("\n");
    lines[3] = lines[3]!.replace(/^\d+,/, "forty,");
    writeFileSync(file, lines.join("\n"));
    const r = await cli(["validate", "--config", path.join(dir, "modelgate.yml")], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/adult\.csv:4, row 3, column "age"/);
  });

  it("exits 2 with a did-you-mean for a misspelt dialect key", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "modelgate-census-"));
    cpSync(census, dir, { recursive: true });
    const spec = path.join(dir, "data/adult.data.yml");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("trim: true", "skipInitialSpaces: true"));
    const r = await cli(["validate", "--config", path.join(dir, "modelgate.yml")], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown key "skipInitialSpaces"');
    expect(r.err).toContain('did you mean "skipInitialSpace"?');
  });
});
