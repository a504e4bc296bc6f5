/**
 * Every workflow in the repository and every one a user copies (examples/workflows/, and YAML blocks
 * with `jobs:` in the Markdown documents) is read by GitHub's own parser (@actions/workflow-parser),
 * and action.yml by its action schema (the allowed `runs.using` values, branding icons and colours,
 * input and output keys). Deliberately broken fixtures prove the check can fail.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkAction, checkWorkflow, loadWorkflowParser, type WorkflowParser } from "./workflow-parser.js";

const root = path.resolve(import.meta.dirname, "../..");
const SKIPPED_FOLDERS = new Set([
  "node_modules",
  "build",
  "dist",
  ".git",
  "out",
  "coverage",
  ".bench",
  ".tmp",
]);

let parser: WorkflowParser;
beforeAll(async () => {
  parser = await loadWorkflowParser(root);
});

function yamlFiles(folder: string): string[] {
  return readdirSync(path.join(root, folder))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => path.join(folder, f));
}

function markdownFiles(folder = ""): string[] {
  return readdirSync(path.join(root, folder), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(folder, e.name);
    if (e.isDirectory())
      return SKIPPED_FOLDERS.has(e.name) || rel === "test/fixtures" ? [] : markdownFiles(rel);
    return e.name.endsWith(".md") ? [rel] : [];
  });
}

/** Fenced YAML blocks of a Markdown file that are whole workflows, named file:line. */
function workflowBlocks(file: string): { name: string; content: string }[] {
  const blocks: { name: string; content: string }[] = [];
  const lines = readFileSync(path.join(root, file), "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !/^\s*```\s*$/.test(lines[i + 1]!)) i++;
    const content = lines.slice(start, i + 1).join("\n");
    if (/^jobs:/m.test(content) && /^on:/m.test(content))
      blocks.push({ name: `${file}:${start + 1}`, content });
    i++;
  }
  return blocks;
}

const workflows = [...yamlFiles(".github/workflows"), ...yamlFiles("examples/workflows")];

describe("GitHub's workflow parser", () => {
  it("finds the project's workflows and the examples", () => {
    expect(workflows).toContain(path.join(".github/workflows", "ci.yml"));
    expect(workflows).toContain(path.join(".github/workflows", "release.yml"));
    expect(workflows).toContain(path.join("examples/workflows", "modelgate.yml"));
  });

  it.each(workflows)("accepts %s", async (file) => {
    expect(await checkWorkflow(parser, file, readFileSync(path.join(root, file), "utf8"))).toEqual([]);
  });

  it("accepts every workflow shown in the documents", async () => {
    for (const block of markdownFiles().flatMap(workflowBlocks))
      expect(await checkWorkflow(parser, block.name, block.content), block.name).toEqual([]);
  });

  it("refuses a workflow with a misspelt key, a missing runs-on and an unclosed expression", async () => {
    const file = "test/packaging/fixtures/broken-workflow.yml";
    const errors = await checkWorkflow(parser, file, readFileSync(path.join(root, file), "utf8"));
    const text = errors.map((e) => `${e.line}: ${e.message}`).join("\n");
    expect(text).toMatch(/^5: .*branchs/m);
    expect(text).toMatch(/^10: .*run-on/m);
    expect(text).toMatch(/runs-on/);
    expect(text).toMatch(/^15: /m);
  });

  it("refuses a job that needs a job the workflow lacks", async () => {
    const file = "test/packaging/fixtures/broken-needs.yml";
    const errors = await checkWorkflow(parser, file, readFileSync(path.join(root, file), "utf8"));
    expect(errors.map((e) => e.message).join("\n")).toMatch(/list/);
  });
});

describe("action.yml against GitHub's action schema", () => {
  const text = readFileSync(path.join(root, "action.yml"), "utf8");

  it("is valid, on the node24 runtime", () => {
    expect(checkAction(parser, "action.yml", text)).toEqual([]);
    expect(text).toMatch(/^  using: node24$/m);
  });

  it("refuses a runtime GitHub's runners do not have, an unknown key and a branding colour", () => {
    const broken = text
      .replace(/^  using: node24$/m, "  using: node22")
      .replace(/^  color: \w+$/m, "  color: teal")
      .replace(/^author: /m, "authors: ");
    const messages = checkAction(parser, "action.yml", broken).map((e) => e.message);
    expect(messages.some((m) => /node22/.test(m))).toBe(true);
    expect(messages.some((m) => /teal/.test(m))).toBe(true);
    expect(messages.some((m) => /authors/.test(m))).toBe(true);
  });
});
