/**
 * The monitor report's HTML page in headless Chromium: it loads without a console error and asks
 * for nothing beyond itself; each drifted column gets one chart of its training and new
 * distributions, two bars per bin at the reported shares, and ok columns none; names from data
 * stay text. One browser for the file; the report comes from the engine on controlled shifts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeadless, type HeadlessBrowser } from "../helpers/headless-page.js";
import { monitorModel } from "../../src/monitor/monitor-model.js";
import {
  monitorReportSchema,
  type MonitorModelReport,
  type MonitorReport,
} from "../../src/report/monitor-report-schema.js";
import { DEFAULT_THRESHOLDS } from "../../src/project/monitor-thresholds.js";
import { renderMonitorHtml } from "../../src/monitor/render-monitor-html.js";
import { formatNumber } from "../../src/report/format-number.js";
import { drawRows, trainProduction, type Shift, type Trained } from "./monitor-fixtures.js";

const HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>";

let trained: Trained;
let browser: HeadlessBrowser;
/** x1 shifted by one standard deviation and a fifth of the rows in the unseen category "d". */
let drifted: MonitorReport;
/** The training distribution again: nothing drifts. */
let steady: MonitorReport;

async function monitored(seed: number, shift: Shift): Promise<MonitorReport> {
  const dataFile = trained.project.write(`new-${seed}.csv`, drawRows(1000, seed, shift));
  const m = await monitorModel({
    model: trained.model,
    production: trained.production,
    recorded: trained.recorded,
    dataFile,
    thresholds: { ...DEFAULT_THRESHOLDS },
    root: trained.root,
    displayBase: trained.root,
  });
  return monitorReportSchema.parse({
    schemaVersion: 1,
    kind: "monitor",
    tool: { name: "modelgate", version: "0.0.0-test" },
    head: { sha: "0123456789abcdef", ref: "refs/heads/main" },
    base: null,
    passed: m.verdict !== "alert",
    verdict: m.verdict,
    models: [m],
  });
}

beforeAll(async () => {
  trained = await trainProduction();
  drifted = await monitored(101, { x1Mean: 1, newCategory: 0.2 });
  steady = await monitored(7, {});
  browser = await startHeadless("modelgate-monitor-html-");
});

afterAll(async () => {
  await browser?.close();
  trained?.project.remove();
});

const load = (html: string, name: string) => browser.load(html, name);

const model = (r: MonitorReport): MonitorModelReport => r.models[0]!;
const charts = 'figure[data-chart="distribution"]';

describe("renderMonitorHtml in Chromium", () => {
  it("loads with no console error and no request leaving the page", async () => {
    const { page, errors, requests } = await load(renderMonitorHtml(drifted), "drifted");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator("script, img, iframe, object, embed, link, [src]").count()).toBe(0);
    await expect(page.locator(".verdict").innerText()).resolves.toContain("Alert");
    await page.close();
  });

  it("draws one chart per drifted column, two bars per bin at the reported shares, none for ok columns", async () => {
    const m = model(drifted);
    const shifted = m.columns.filter((c) => c.status === "warn" || c.status === "alert");
    const quiet = m.columns.filter((c) => c.status === "ok");
    // The shifts are the ones asked for: x1 and the category move (and y with x1), x2 does not.
    expect(shifted.map((c) => c.name)).toEqual(expect.arrayContaining(["x1", "cat"]));
    expect(quiet.map((c) => c.name)).toContain("x2");

    const { page } = await load(renderMonitorHtml(drifted), "charts");
    const drawn = page.locator(charts);
    expect(await drawn.count()).toBe(shifted.length);
    // The chart of a column is found by its title, exactly.
    const titles = await page.locator(`${charts} svg > title`).allTextContents();
    for (const c of shifted) {
      const at = titles.indexOf(`${c.name}: training and new data`);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(titles.lastIndexOf(`${c.name}: training and new data`)).toBe(at);
      const figure = drawn.nth(at);
      await expect(figure.getByRole("img").getAttribute("aria-labelledby")).resolves.toMatch(/-t .*-d$/);
      expect(await figure.getAttribute("data-bins")).toBe(String(c.bins.length));
      expect(await figure.locator("rect.bar").count()).toBe(2 * c.bins.length);
      expect(await figure.locator("rect.bar.training").count()).toBe(c.bins.length);
      expect(await figure.locator("rect.bar.current").count()).toBe(c.bins.length);
      // The rows are the bins in the report's order (edges, outer bins first and last; categories).
      const rows = await figure.locator("g.row > title").allTextContents();
      expect(rows.map((t) => t.slice(0, t.lastIndexOf(": training")))).toEqual(c.bins.map((b) => b.label));
      // Bar lengths are proportional to the shares, on one scale for both sides.
      const widths = await figure
        .locator("rect.bar")
        .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("width"))));
      const shares = c.bins.flatMap((b) => [b.training, b.current]);
      const k = widths[shares.indexOf(Math.max(...shares))]! / Math.max(...shares);
      shares.forEach((s, i) => expect(widths[i]!).toBeCloseTo(Math.max(0.5, s * k), 0));
      // The text alternative says what the chart shows.
      const desc = await figure.locator("desc").textContent();
      expect(desc).toContain(`PSI `);
      expect(desc).toContain(c.bins[0]!.label);
    }
    for (const c of quiet) expect(titles).not.toContain(`${c.name}: training and new data`);

    // The numeric bins run from below the training range to above it.
    const x1 = m.columns.find((c) => c.name === "x1")!;
    expect(x1.bins[0]!.label).toMatch(/^< /);
    expect(x1.bins.at(-1)!.label).toMatch(/^> /);
    // The unseen category has its own row, marked, with a hairline for training.
    const cat = drawn.nth(titles.indexOf("cat: training and new data"));
    const unseen = cat.locator("g.row.flagged");
    expect(await unseen.count()).toBe(1);
    await expect(unseen.locator("text.group").textContent()).resolves.toBe("⚠ d");
    await expect(unseen.locator("rect.bar.training").getAttribute("width")).resolves.toBe("0.5");

    // The drift table lists every column with its status and corrected p-value.
    const table = page.locator("table.drift tbody tr");
    expect(await table.count()).toBe(m.columns.length);
    const headers = await page.locator("table.drift thead th").allTextContents();
    expect(headers).toEqual(
      expect.arrayContaining(["Column", "Status", "PSI", "Test", "p corrected", "Note"]),
    );
    for (const [k, c] of m.columns.entries()) {
      const row = table.nth(k);
      const cells = await row.locator("td").allTextContents();
      // The first header names the column: a row header, not a cell.
      const cell = (name: string) => cells[headers.indexOf(name) - 1];
      await expect(row.locator("th").textContent()).resolves.toBe(`${c.name}${c.role} · ${c.type}`);
      expect(cell("Status")).toBe(c.status);
      expect(cell("PSI")).toMatch(new RegExp(`^${formatNumber(c.psi, 3)}(noise|$)`));
      expect(cell("p corrected")).toBe(formatNumber(c.test!.adjustedPValue, 2));
      expect(cell("Note")).toBe(c.note);
    }
    // And the live performance of the production version.
    await expect(page.locator("table.performance").count()).resolves.toBe(1);
    await page.close();
  });

  it("draws no distribution when nothing drifted", async () => {
    expect(model(steady).verdict).toBe("ok");
    const { page, errors } = await load(renderMonitorHtml(steady), "steady");
    expect(errors).toEqual([]);
    expect(await page.locator(charts).count()).toBe(0);
    await expect(page.locator("main").innerText()).resolves.toContain(
      "No column drifted, so no distribution is drawn.",
    );
    await page.close();
  });

  it("keeps hostile column and category names as text: no element or attribute comes from the data", async () => {
    const r = structuredClone(drifted);
    const m = model(r);
    const cat = m.columns.find((c) => c.name === "cat")!;
    cat.name = `cat ${HOSTILE}`;
    const d = cat.bins.find((b) => b.label === "d")!;
    d.label = HOSTILE;
    cat.unseen[0]!.value = HOSTILE;
    m.columns.find((c) => c.name === "x1")!.note = `"onmouseover="alert(3)`;
    m.newColumns.push(HOSTILE);
    m.reasons.push({ severity: "warn", kind: "new_column", column: HOSTILE, message: HOSTILE });
    const { page, errors, requests } = await load(renderMonitorHtml(monitorReportSchema.parse(r)), "hostile");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    const found = await page.evaluate<{ tags: string[]; handlers: string[] }>(`(() => {
      const all = [...document.querySelectorAll("*")];
      return {
        tags: [...new Set(all.map((e) => e.localName))].sort(),
        handlers: all.flatMap((e) => [...e.attributes].map((a) => a.name)).filter((n) => n.startsWith("on")),
      };
    })()`);
    expect(found.handlers).toEqual([]);
    expect(found.tags).not.toContain("img");
    expect(found.tags).not.toContain("script");
    const text = await page.locator("body").innerText();
    expect(text).toContain(HOSTILE);
    expect(text).toContain(`cat ${HOSTILE}`);
    // The hostile category is still its own row of the chart, named in full in its tooltip.
    const titles = await page.locator(`${charts} svg > title`).allTextContents();
    const chart = page.locator(charts).nth(titles.indexOf(`cat ${HOSTILE}: training and new data`));
    expect(titles).toContain(`cat ${HOSTILE}: training and new data`);
    expect(await chart.locator("rect.bar").count()).toBe(2 * cat.bins.length);
    await expect(chart.locator("g.row.flagged > title").textContent()).resolves.toMatch(
      new RegExp(`^${HOSTILE.replace(/[()]/g, "\\$&")}: training 0%, new `),
    );
    await page.close();
  });

  it("follows the reader's colour scheme, training and new data in different colours", async () => {
    const html = renderMonitorHtml(drifted);
    const colours = async (scheme: "light" | "dark") => {
      const { page } = await load(html, `scheme-${scheme}`);
      await page.emulateMedia({ colorScheme: scheme });
      const seen = await page.evaluate<string[]>(`[
        getComputedStyle(document.body).backgroundColor,
        getComputedStyle(document.querySelector("rect.bar.training")).fill,
        getComputedStyle(document.querySelector("rect.bar.current")).fill,
      ]`);
      await page.close();
      return seen;
    };
    const [lightBg, lightTraining, lightCurrent] = await colours("light");
    const [darkBg, darkTraining, darkCurrent] = await colours("dark");
    // The evaluation report's backgrounds.
    expect(lightBg).toBe("rgb(251, 251, 250)");
    expect(darkBg).toBe("rgb(15, 20, 25)");
    expect(lightTraining).not.toBe(lightCurrent);
    expect(darkCurrent).not.toBe(lightCurrent);
    expect(darkTraining).not.toBe(darkCurrent);
  });
});

describe("renderMonitorHtml as text", () => {
  it("is one self-contained file: no script, no external reference", () => {
    const html = renderMonitorHtml(drifted);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(?:src|href)="(?!#)/);
    expect(html.match(/https?:\/\/[^\s"]+/g)?.every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
    expect(html).toContain("default-src 'none'");
  });

  it("says why there is no performance section, and lists missing and new columns", () => {
    const r = structuredClone(steady);
    const m = model(r);
    m.performance = null;
    m.performanceNote = "the new data has no target column (y)";
    m.missingColumns = [{ name: "x2", role: "feature" }];
    m.newColumns = ["extra"];
    const html = renderMonitorHtml(r, { title: "Nightly drift <check>" });
    expect(html).toContain("<title>Nightly drift &lt;check&gt;</title>");
    expect(html).toContain("the new data has no target column (y)");
    expect(html).toContain("Missing from the new data: <code>x2</code> (feature).");
    expect(html).toContain("Not in the data spec: <code>extra</code>.");
  });
});
