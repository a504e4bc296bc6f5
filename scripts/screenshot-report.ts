/**
 * Renders the HTML report of examples/cars (against its production champion, with the
 * registry's history) and the pull request comment, and takes the screenshots the README shows.
 *
 *   npm run build && node build/scripts/screenshot-report.js [--dark] [--html FILE] [--png FILE] [--comment-png FILE]
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { renderHtml } from "../src/report/render-html.js";
import { renderMarkdown } from "../src/report/render-markdown.js";
import { metricHistory } from "../src/run/report-files.js";
import rehypeStringify from "rehype-stringify";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import { unified } from "unified";
import { evaluateProject } from "../src/run/evaluate-project.js";
import { loadChampion, readRegistry, registryDirOf, workingTreeSource } from "../src/model/load-model.js";
import { loadProject } from "../src/project/load-project.js";

const repo = path.resolve(import.meta.dirname, "..", "..");
const { values } = parseArgs({
  options: {
    dark: { type: "boolean", default: false },
    html: { type: "string" },
    png: { type: "string", default: path.join(repo, "docs", "report-screenshot.png") },
    "comment-png": { type: "string", default: path.join(repo, "docs", "comment-screenshot.png") },
  },
});

const project = loadProject(path.join(repo, "examples", "cars", "modelgate.yml"), { displayBase: repo });
const source = workingTreeSource(project.root);
const registryDir = registryDirOf(project.root, project.registryDir);
const result = await evaluateProject(project, {
  displayBase: repo,
  championOf: (model) => loadChampion(source, registryDir, model),
});
const history = metricHistory(await readRegistry(source, registryDir), result.report);
const html = renderHtml(result.report, {
  history,
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

  // The pull request comment, as GitHub shows it (its sections opened).
  const markdown = renderMarkdown(result.report).replace(/<details>/g, "<details open>");
  const body = String(
    await unified()
      .use(remarkParse)
      .use(remarkGfm)
      .use(remarkRehype, { allowDangerousHtml: true })
      .use(rehypeStringify, { allowDangerousHtml: true })
      .process(markdown),
  );
  const commentFile = path.join(work, "comment.html");
  writeFileSync(commentFile, commentPage(body, values.dark));
  await page.setViewportSize({ width: 920, height: 1060 });
  await page.goto(`file://${commentFile}`);
  await page.screenshot({ path: values["comment-png"] });
  console.log(`wrote ${path.relative(process.cwd(), values["comment-png"])}`);
} finally {
  await context.close();
  if (!values.html) rmSync(work, { recursive: true, force: true });
}

/** A page styled like a GitHub comment, around the rendered markdown. */
function commentPage(body: string, dark: boolean): string {
  const fg = dark ? "#e6edf3" : "#1f2328";
  const bg = dark ? "#0d1117" : "#ffffff";
  const border = dark ? "#30363d" : "#d0d7de";
  const muted = dark ? "#161b22" : "#f6f8fa";
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body { margin: 0; padding: 24px; background: ${dark ? "#010409" : "#f6f8fa"}; font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: ${fg}; }
.comment { max-width: 860px; background: ${bg}; border: 1px solid ${border}; border-radius: 6px; }
.head { padding: 8px 16px; background: ${muted}; border-bottom: 1px solid ${border}; border-radius: 6px 6px 0 0; color: ${dark ? "#8d96a0" : "#59636e"}; }
.head b { color: ${fg}; }
.body { padding: 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid ${border}; padding-bottom: .3em; margin-top: 0; }
h3 { font-size: 1.25em; }
table { border-collapse: collapse; margin: 0 0 16px; display: block; overflow: auto; }
th, td { border: 1px solid ${border}; padding: 6px 13px; }
tr:nth-child(2n) { background: ${muted}; }
code { background: ${dark ? "#2f353d" : "#eff1f3"}; padding: .2em .4em; border-radius: 6px; font-size: 85%; }
pre { background: ${muted}; padding: 16px; border-radius: 6px; overflow: auto; }
pre code { background: none; padding: 0; }
summary { cursor: pointer; font-weight: 600; margin: 8px 0; }
</style></head><body><div class="comment"><div class="head"><b>modelgate</b> <span>bot</span> commented</div><div class="body">${body}</div></div></body></html>`;
}
