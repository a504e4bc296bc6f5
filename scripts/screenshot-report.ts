/**
 * Renders the HTML report of examples/cars (against its production champion, with the
 * registry's history) and takes the screenshot the README shows.
 *
 *   npm run build && node build/scripts/screenshot-report.js [--dark] [--html FILE] [--png FILE]
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { renderHtml } from "../src/report/render-html.js";
import type { MetricHistory } from "../src/report/render-markdown.js";
import { evaluateProject } from "../src/run/evaluate-project.js";
import { loadChampion, readRegistry, registryDirOf, workingTreeSource } from "../src/run/load-champion.js";
import { loadProject } from "../src/spec/load-project.js";

const repo = path.resolve(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    dark: { type: "boolean", default: false },
    html: { type: "string" },
    png: { type: "string", default: path.join(repo, "docs", "report-screenshot.png") },
  },
});

const project = loadProject(path.join(repo, "examples", "cars", "modelgate.yml"), { displayBase: repo });
const source = workingTreeSource(project.root);
const registryDir = registryDirOf(project.root, project.registryDir);
const result = await evaluateProject(project, {
  displayBase: repo,
  championOf: (model) => loadChampion(source, registryDir, model),
});
const registry = await readRegistry(source, registryDir);
const history: Record<string, { version: number; value: number | null }[]> = {};
for (const m of result.report.models)
  history[m.name] = (registry.models[m.name]?.versions ?? []).map((v) => ({
    version: v.version,
    value: v.metrics[m.primaryMetric] ?? null,
  }));
const html = renderHtml(result.report, {
  history: history as MetricHistory,
  scored: Object.fromEntries(result.evaluations.map((e) => [e.report.name, e.scored])),
  title: "modelgate report: examples/cars",
});

const work = mkdtempSync(path.join(tmpdir(), "modelgate-shot-"));
const file = values.html ? path.resolve(values.html) : path.join(work, "report.html");
writeFileSync(file, html);
// A fresh profile each time (Playwright takes it as the persistent context's folder).
const context = await chromium.launchPersistentContext(path.join(work, "profile"), {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  viewport: { width: 1200, height: 1300 },
  deviceScaleFactor: 1,
  colorScheme: values.dark ? "dark" : "light",
});
try {
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  mkdirSync(path.dirname(values.png), { recursive: true });
  await page.screenshot({ path: values.png });
  console.log(`wrote ${path.relative(process.cwd(), values.png)} from ${file}`);
} finally {
  await context.close();
  if (!values.html) rmSync(work, { recursive: true, force: true });
}
