// Prints the README's table of the Action's inputs and outputs, generated from action.yml.
// `node scripts/action-readme-table.mjs --write` rewrites the README between its markers.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BEGIN =
  "<!-- action-table:begin (generated from action.yml: node scripts/action-readme-table.mjs --write) -->";
export const END = "<!-- action-table:end -->";

export function actionTable(actionYml) {
  const action = parse(actionYml);
  const cell = (s) =>
    String(s ?? "")
      .replace(/\|/g, "\\|")
      .replace(/\n/g, " ");
  const lines = ["| input | default | description |", "| --- | --- | --- |"];
  for (const [name, input] of Object.entries(action.inputs ?? {}))
    lines.push(
      `| \`${name}\` | ${input.default === undefined || input.default === "" ? "" : `\`${cell(input.default)}\``} | ${cell(input.description)} |`,
    );
  lines.push("", "| output | description |", "| --- | --- |");
  for (const [name, output] of Object.entries(action.outputs ?? {}))
    lines.push(`| \`${name}\` | ${cell(output.description)} |`);
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = actionTable(readFileSync(path.join(root, "action.yml"), "utf8"));
  if (process.argv.includes("--write")) {
    const readmePath = path.join(root, "README.md");
    const readme = readFileSync(readmePath, "utf8");
    const start = readme.indexOf(BEGIN);
    const end = readme.indexOf(END);
    if (start < 0 || end < 0) throw new Error("README.md has no action-table markers");
    writeFileSync(
      readmePath,
      readme.slice(0, start + BEGIN.length) + "\n" + table + "\n" + readme.slice(end),
    );
  } else console.log(table);
}
