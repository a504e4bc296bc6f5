/**
 * The HTML report in headless Chromium: it loads without a console error, asks for nothing
 * beyond itself, and draws every chart with the points it should. One browser for the file.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHeadless, type HeadlessBrowser } from "../helpers/headless-page.js";
import type { Report } from "../../src/report/report-schema.js";
import { renderHtml, type ScoredRows } from "../../src/report/render-html.js";
import { niceTicks, sampleIndices } from "../../src/report/svg-charts.js";
import { carsReport, EVIL, evilReport, improvedReport } from "./report-fixtures.js";

/** Deterministic test rows: `n` targets, two sets of predictions, a NaN in the champion's at row 5. */
function scoredRows(n: number): Required<ScoredRows> {
  const actual = Float64Array.from({ length: n }, (_, i) => 10 + ((i * 37) % 30));
  const challenger = Float64Array.from(actual, (a, i) => a + (((i * 13) % 7) - 3) * 0.5);
  const champion = Float64Array.from(actual, (a, i) => (i === 5 ? NaN : a + (((i * 11) % 9) - 4) * 0.6));
  return { actual, challenger, champion };
}

const HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>";

/** Two models: the cars model beside its champion, and a copy with 5,000 rows to sample. */
function twoModels(): Report {
  const r = improvedReport();
  const big = structuredClone(r.models[0]!);
  big.name = "mpg-big";
  big.slices[0]!.groups[0]!.group = HOSTILE;
  big.warnings = [HOSTILE];
  r.models.push(big);
  return r;
}

const HISTORY = {
  mpg: [
    { version: 1, value: 3.58 },
    { version: 2, value: 3.31 },
    { version: 3, value: 3.12 },
  ],
};

let browser: HeadlessBrowser;

beforeAll(async () => {
  browser = await startHeadless("modelgate-html-");
});

afterAll(async () => {
  await browser?.close();
});

const load = (html: string, name: string) => browser.load(html, name);

const count = (page: Page, selector: string) => page.locator(selector).count();
const attr = (page: Page, selector: string, name: string) =>
  page.locator(selector).first().getAttribute(name);

describe("renderHtml in Chromium", () => {
  it("loads with no console error and no request leaving the page", async () => {
    const { page, errors, requests } = await load(
      renderHtml(twoModels(), {
        scored: { mpg: scoredRows(96), "mpg-big": scoredRows(5_000) },
        history: HISTORY,
      }),
      "two-models",
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await count(page, "script, img, iframe, object, embed, link, [src]")).toBe(0);
    // The hostile group name and warning are text on the page, not elements.
    expect(await page.locator("body").innerText()).toContain(HOSTILE);
    await page.close();
  });

  it("would notice a request and a console error (the checks above can fail)", async () => {
    const { errors, requests, page } = await load(
      '<!doctype html><title>t</title><img src="https://example.invalid/x.png" alt=""><script>console.error("boom")</script>',
      "control",
    );
    expect(requests).toEqual(["https://example.invalid/x.png"]);
    expect(errors).toContain("boom");
    await page.close();
  });

  it("draws each chart with the expected number of points, and says so in words", async () => {
    const { page } = await load(
      renderHtml(twoModels(), {
        scored: { mpg: scoredRows(96), "mpg-big": scoredRows(5_000) },
        history: HISTORY,
      }),
      "charts",
    );
    const first = "#model-0";
    // Predicted against actual: every row for the challenger, all but the NaN row for the champion.
    const scatter = `${first} figure[data-chart="predicted-vs-actual"]`;
    expect(await count(page, `${scatter} g.series.challenger circle`)).toBe(96);
    expect(await count(page, `${scatter} g.series.champion circle`)).toBe(95);
    expect(await attr(page, scatter, "data-points")).toBe("191");
    expect(await count(page, `${first} figure[data-chart="residuals"] circle.pt`)).toBe(191);
    // The metrics side by side: one row per metric, a dot for each model.
    const metrics = `${first} figure[data-chart="metrics"]`;
    expect(await count(page, `${metrics} g.metric-row`)).toBe(5);
    expect(await count(page, `${metrics} circle.pt.champion`)).toBe(5);
    expect(await count(page, `${metrics} circle.pt.challenger`)).toBe(5);
    // History: three versions, then this pull request.
    const history = `${first} figure[data-chart="history"]`;
    expect(await count(page, `${history} circle.pt`)).toBe(4);
    expect(await count(page, `${history} circle.pt.candidate`)).toBe(1);
    // Slices: two columns of three groups, champion and challenger bars each.
    expect(await count(page, `${first} figure[data-chart="slice"]`)).toBe(2);
    expect(await count(page, `${first} figure[data-chart="slice"] rect.bar`)).toBe(12);
    expect(await count(page, `${first} figure[data-chart="slice"] g.row.flagged`)).toBe(2);

    // Each chart is an image with a title and a text alternative.
    for (const name of [
      "Predicted against actual",
      "Residuals against predicted",
      "Champion and challenger, metric by metric",
      "RMSE across versions",
      "RMSE by Origin",
      "RMSE by Cylinders",
    ])
      await expect(page.getByRole("img", { name }).first().isVisible()).resolves.toBe(true);
    const desc = await page.locator(`${history} desc`).textContent();
    expect(desc).toContain("v1 3.58, v2 3.31, v3 3.12, this PR 2.862");

    // 5,000 rows are sampled down to 2,000 per series, and the caption says so.
    const big = '#model-1 figure[data-chart="predicted-vs-actual"]';
    expect(await count(page, `${big} g.series.challenger circle`)).toBe(2_000);
    expect(await page.locator(`${big} figcaption`).textContent()).toContain(
      "Showing 2,000 of 5,000 test rows, evenly spaced in row order.",
    );
    // No history for the second model, so no chart.
    expect(await count(page, '#model-1 figure[data-chart="history"]')).toBe(0);
    await page.close();
  });

  it("keeps every hostile string as text: no element or attribute comes from the data", async () => {
    for (const comparable of [true, false]) {
      const r = evilReport(comparable);
      const { page, errors, requests } = await load(
        renderHtml(r, { scored: { mpg: scoredRows(96) }, history: { mpg: HISTORY.mpg } }),
        `hostile-${comparable}`,
      );
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
      const allowed = new Set(
        "html head meta title style body header h1 h2 h3 p span strong em code nav ul li a main section div table caption thead tbody tr th td figure figcaption svg desc g line rect text circle path details summary footer".split(
          " ",
        ),
      );
      expect(found.tags.filter((t) => !allowed.has(t))).toEqual([]);
      const text = await page.locator("body").innerText();
      for (const w of EVIL.slice(0, 5)) expect(text).toContain(w.replace(/\s+/g, " ").trim());
      await page.close();
    }
  });

  it("draws the reported calibration and lists fairness groups without scored rows", async () => {
    const r = evilReport(true);
    r.models[0]!.calibration = [
      { bin: 0, rows: 40, minPredicted: 0, maxPredicted: 0.1, meanPredicted: 0.04, observedRate: 0.05 },
      { bin: 5, rows: 3, minPredicted: 0.5, maxPredicted: 0.6, meanPredicted: null, observedRate: null },
      { bin: 9, rows: 30, minPredicted: 0.9, maxPredicted: 1, meanPredicted: 0.95, observedRate: 0.9 },
    ];
    const { page, errors } = await load(renderHtml(r), "calibration");
    expect(errors).toEqual([]);
    expect(await attr(page, 'figure[data-chart="predicted-vs-actual"]', "data-points")).toBe("2");
    expect(await count(page, ".fairness tbody tr")).toBe(EVIL.length);
    await page.close();
  });

  it("shows the challenger alone without a champion", async () => {
    const scored = scoredRows(96);
    const { page, errors } = await load(
      renderHtml(carsReport(), { scored: { mpg: { actual: scored.actual, challenger: scored.challenger } } }),
      "no-champion",
    );
    expect(errors).toEqual([]);
    expect(await count(page, "figure[data-chart] g.series.champion")).toBe(0);
    expect(await count(page, 'figure[data-chart="predicted-vs-actual"] circle.pt')).toBe(96);
    expect(await count(page, 'figure[data-chart="slice"] rect.bar.champion')).toBe(0);
    expect(await count(page, 'figure[data-chart="slice"] rect.bar.challenger')).toBe(6);
    await page.close();
  });

  it("follows the reader's colour scheme", async () => {
    const html = renderHtml(carsReport());
    const background = async (scheme: "light" | "dark") => {
      const { page } = await load(html, `scheme-${scheme}`);
      await page.emulateMedia({ colorScheme: scheme });
      const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
      await page.close();
      return bg;
    };
    expect(await background("light")).toBe("rgb(251, 251, 250)");
    expect(await background("dark")).toBe("rgb(15, 20, 25)");
  });
});

describe("renderHtml as text", () => {
  it("is one self-contained file: no script, no external reference", () => {
    const html = renderHtml(twoModels(), { scored: { mpg: scoredRows(96) }, history: HISTORY });
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(?:src|href)="(?!#)/);
    // The only URL is the SVG namespace, which is a name, not a request.
    expect(html.match(/https?:\/\/[^\s"]+/g)?.every((u) => u === "http://www.w3.org/2000/svg")).toBe(true);
    expect(html).toContain("default-src 'none'");
  });
});

describe("chart helpers", () => {
  it("samples evenly and deterministically", () => {
    expect(sampleIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(sampleIndices(10, 4)).toEqual([0, 2, 5, 7]);
    expect(sampleIndices(5_000, 2_000)).toHaveLength(2_000);
  });

  it("picks round ticks", () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    // (3.4 - 2.3) / 5 = 0.22, so the step is 0.25, the first of 0.1, 0.2, 0.25, 0.5, 1 above it.
    expect(niceTicks(2.3, 3.4)).toEqual([2.5, 2.75, 3, 3.25]);
    expect(niceTicks(-0.05, 0.12, 4)).toEqual([-0.05, 0, 0.05, 0.1]);
  });
});
