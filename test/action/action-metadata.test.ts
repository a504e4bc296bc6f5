import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain ES module script without types
import { BEGIN, END, actionTable } from "../../scripts/action-readme-table.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");

describe("action.yml", () => {
  it("declares the node24 runtime and the committed bundle", () => {
    const action = parse(read("action.yml"));
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
    for (const [name, input] of Object.entries(action.inputs as Record<string, { description?: string }>)) {
      expect(name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(input.description, name).toBeTruthy();
    }
  });

  it("is documented in the README by a table generated from it", () => {
    const readme = read("README.md");
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThan(0);
    expect(readme.slice(start + BEGIN.length, end).trim()).toBe(
      (actionTable(read("action.yml")) as string).trim(),
    );
  });

  it("has a committed bundle identical to a fresh build", () => {
    const out = mkdtempSync(path.join(tmpdir(), "modelgate-dist-"));
    try {
      execFileSync(process.execPath, [path.join(root, "scripts/bundle-action.mjs"), out], {
        cwd: root,
        stdio: "pipe",
      });
      expect(
        readFileSync(path.join(out, "index.js"), "utf8") === read("dist/index.js"),
        "dist/ is stale: run npm run build and commit dist/",
      ).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
