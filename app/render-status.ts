/** `/modelgate status`: the registry on the default branch as a short Markdown summary. */
import { codeSpan, escapeText } from "../src/report/escape-markdown.js";
import type { Registry } from "../src/registry/registry-document.js";
import { describeEvent, listModels } from "../src/registry/registry-transitions.js";

/** Recent registry events shown per model. */
const RECENT_EVENTS = 3;

/** The registry's models with aliases, latest version and their most recent events. */
export function renderStatus(registry: Registry, branch: string, commitSha: string): string {
  const models = listModels(registry);
  const head = `Registry on ${codeSpan(branch)} at ${codeSpan(commitSha.slice(0, 7))}`;
  if (models.length === 0) return `${head}: no models registered yet.`;
  const lines = [`${head}:`, "", "| Model | Versions | Aliases |", "| :---- | -------: | :------ |"];
  for (const m of models) {
    const aliases = Object.entries(m.aliases)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([alias, v]) => `${codeSpan(alias, { inTable: true })} → v${v}`)
      .join(", ");
    lines.push(`| ${codeSpan(m.model, { inTable: true })} | ${m.versions} | ${aliases || "—"} |`);
  }
  lines.push("", "Recent changes:", "");
  for (const m of models) {
    const events = registry.models[m.model]!.events.slice(-RECENT_EVENTS).reverse();
    for (const e of events) lines.push(`- ${escapeText(describeEvent(m.model, e), 400)}`);
  }
  return lines.join("\n");
}
