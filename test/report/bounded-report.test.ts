/**
 * Every rendered artifact stays within its size limit however big the report: the HTML page under
 * a few MB (it still opens in headless Chromium, whole), the Markdown under GitHub's comment limit.
 * Each says what it left out and that report.json has everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_BYTES, renderHtml } from "../../src/report/render-html.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";
import { searchDetails } from "../../src/report/html-sections.js";
import { DETAIL_LEVELS, FULL_DETAIL, summariseModel } from "../../src/report/summarise-report.js";
import type { Report } from "../../src/report/report-schema.js";
import { startHeadless, type HeadlessBrowser } from "../helpers/headless-page.js";
import { carsReport, extremeReport, improvedReport, largeReport } from "./report-fixtures.js";

const bytes = (s: string) => Buffer.byteLength(s);

let extreme: Report;
let browser: HeadlessBrowser;

beforeAll(async () => {
  // Twelve models at the schema's limits: 27 MB of HTML before pages were bounded.
  extreme = extremeReport(12);
  browser = await startHeadless("modelgate-bounded-");
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("a bounded HTML report", () => {
  it("renders an extreme report under the limit, whole, and it opens in Chromium", async () => {
    const full = renderHtml(extreme, { maxBytes: Infinity });
    expect(bytes(full)).toBeGreaterThan(20 * 1024 * 1024);
    const html = renderHtml(extreme);
    expect(bytes(html)).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
    expect(bytes(html)).toBeGreaterThan(DEFAULT_MAX_BYTES / 8); // summarised, not emptied
    expect(html).toMatch(/<\/footer>\n<\/body>\n<\/html>\n$/);
    expect(html).toContain("Shortened to stay under 4 MB");
    expect(html).toContain("<code>report.json</code>");

    const { page, errors, requests } = await browser.load(html, "extreme");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator("section.model").count()).toBe(12);
    expect(await page.locator("footer").count()).toBe(1);
    // Each model says what it left out, with counts.
    const notes = await page
      .locator("section.model .callout:has(strong:text('Left out of this page'))")
      .allInnerTexts();
    expect(notes).toHaveLength(12);
    expect(notes[0]).toMatch(/\d+ slice columns?/);
    expect(notes[0]).toMatch(/\d+ search trials/);
    expect(notes[0]).toContain("report.json has them all");
    // Charts that are kept are whole SVG documents.
    const svgs = await page.locator("figure.chart svg").count();
    expect(svgs).toBeGreaterThan(12);
    expect(await page.locator("figure.chart svg:not(:has(*))").count()).toBe(0);
    await page.close();
  }, 120_000);

  it("keeps a report that fits exactly as it was", () => {
    for (const r of [carsReport(), improvedReport(), largeReport(3, 6, 30)]) {
      const html = renderHtml(r);
      expect(html).toBe(renderHtml(r, { maxBytes: Infinity }));
      expect(html).not.toContain("Shortened");
      expect(html).not.toContain("Left out of this page");
    }
  });

  it("stays under any limit down to the one-line-per-model summary", () => {
    const r = largeReport(40, 20, 100);
    let previous = Infinity;
    for (const max of [8_000_000, 2_000_000, 1_000_000, 400_000, 200_000, 100_000]) {
      const html = renderHtml(r, { maxBytes: max });
      expect(bytes(html)).toBeLessThanOrEqual(max);
      expect(bytes(html)).toBeLessThanOrEqual(previous);
      previous = bytes(html);
      expect(html).toMatch(/<\/html>\n$/);
      // Every model is still named, with its verdict.
      for (const m of r.models) expect(html).toContain(`${m.name}`);
    }
    const tight = renderHtml(r, { maxBytes: 100_000 });
    expect(tight).toMatch(/\d+ more models<\/h2>/);
  });

  it("lists the best trials with their own numbers, and the chosen one always", () => {
    const search = extreme.models[0]!.search!;
    const html = searchDetails({ ...search, chosen: 499 }, 5);
    const numbers = [...html.matchAll(/<tr[^>]*><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1]));
    expect(numbers).toHaveLength(5);
    expect(numbers.at(-1)).toBe(500);
    expect(html).toContain("★ chosen");
    expect(html).toContain("495 more trials of this report not shown here");
  });

  it("cuts each list to the level, keeping failed rules and the worst slice group", () => {
    const m = structuredClone(extreme.models[0]!);
    m.gate.checks[150] = { ...m.gate.checks[150]!, status: "fail", reason: "the failed one" };
    const level = DETAIL_LEVELS[3]!;
    const { model, leftOut } = summariseModel(m, level);
    expect(model.gate.checks.some((c) => c.reason === "the failed one")).toBe(true);
    expect(model.gate.checks).toHaveLength(level.gateRules + 1);
    expect(model.slices).toHaveLength(level.slices);
    for (const s of model.slices) {
      expect(s.groups).toHaveLength(level.sliceGroups);
      expect(s.groups.some((g) => g.worst)).toBe(true);
      expect(s.omittedGroups).toBe(1000 + 200 - level.sliceGroups);
    }
    expect(model.warnings).toHaveLength(level.warnings);
    expect(leftOut).toContain(`${200 - level.warnings} warnings`);
    expect(summariseModel(m, FULL_DETAIL).model).toBe(m);
  });
});

describe("a bounded Markdown report", () => {
  it("renders the extreme report under GitHub's comment limit, naming report.json", () => {
    const md = renderMarkdown(extreme);
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md).toContain("Shortened to fit GitHub's size limit");
    expect(md).toContain("`report.json`");
    expect(md.match(/^### /gm)).toHaveLength(12);
  });
});
