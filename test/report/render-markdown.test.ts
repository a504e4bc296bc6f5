import { describe, expect, it } from "vitest";
import type { InlineCode, Nodes, Root, TableCell } from "mdast";
import { visit } from "unist-util-visit";
import { cleanText } from "../../src/report/escape-markdown.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { changeVerdict, renderMarkdown, renderSummaryLine } from "../../src/report/render-markdown.js";
import { findHazards, nodesOf, parseGfm } from "./markdown-safety.js";
import {
  carsReport,
  EVIL,
  evilReport,
  failedGateReport,
  improvedReport,
  largeReport,
  notComparableReport,
} from "./report-fixtures.js";

const HISTORY = {
  mpg: [
    { version: 2, value: 3.31 },
    { version: 1, value: 3.58 },
    { version: 3, value: 3.12 },
  ],
};

/** The text of a cell: text and inline code, without markup. */
function cellText(cell: TableCell): string {
  const root: Root = { type: "root", children: [{ type: "paragraph", children: cell.children }] };
  const parts: string[] = [];
  visit(root, (n: Nodes) => {
    if (n.type === "text" || n.type === "inlineCode") parts.push(n.value);
  });
  return parts.join("");
}

/** The first table whose header starts with `first` (and has `third` third), as rows of cell texts. */
function tableCells(markdown: string, first: string, third?: string): string[][] {
  const tables = nodesOf(parseGfm(markdown), "table").map((t) =>
    t.children.map((r) => r.children.map(cellText)),
  );
  const found = tables.find((t) => t[0]?.[0] === first && (third === undefined || t[0][2] === third));
  if (!found) throw new Error(`no table starts with "${first}"`);
  return found;
}

describe("renderMarkdown snapshots", () => {
  it("without a champion", async () => {
    await expect(renderMarkdown(carsReport())).toMatchFileSnapshot("./__snapshots__/no-champion.md");
  });
  it("with a champion the challenger beats significantly, and the history chart", async () => {
    await expect(renderMarkdown(improvedReport(), { history: HISTORY })).toMatchFileSnapshot(
      "./__snapshots__/champion-improved.md",
    );
  });
  it("with a failed gate", async () => {
    await expect(renderMarkdown(failedGateReport())).toMatchFileSnapshot("./__snapshots__/gate-failed.md");
  });
  it("with a champion that is not comparable", async () => {
    await expect(renderMarkdown(notComparableReport())).toMatchFileSnapshot(
      "./__snapshots__/champion-not-comparable.md",
    );
  });
});

describe("renderMarkdown content", () => {
  it("puts the verdict in the title line", () => {
    expect(renderMarkdown(carsReport()).split("\n")[0]).toBe("## ✅ modelgate: the gate passed for 1 model");
    expect(renderMarkdown(failedGateReport(), { title: "Model check" }).split("\n")[0]).toBe(
      "## ❌ Model check: the gate failed for 1 model",
    );
  });

  it("marks each metric better, worse or not significant from its interval", () => {
    const rows = tableCells(renderMarkdown(improvedReport()), "Metric");
    expect(rows[0]).toEqual([
      "Metric",
      "Champion v3",
      "Challenger",
      "Change",
      "Relative",
      "Interval of change",
      "",
    ]);
    const byMetric = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
    // The primary metric comes first.
    expect(rows[1]![0]).toBe("RMSE");
    expect(byMetric.RMSE).toEqual([
      "RMSE",
      "3.12",
      "2.862",
      "-0.258",
      "-8.3%",
      "[-0.41, -0.11]",
      "🟢 better",
    ]);
    expect(byMetric["R²"]?.[6]).toBe("🟢 better");
    expect(byMetric.MAPE?.[6]).toBe("⚪ not significant");
    const failed = Object.fromEntries(
      tableCells(renderMarkdown(failedGateReport()), "Metric").map((r) => [r[0], r]),
    );
    expect(failed.RMSE?.[6]).toBe("🔴 worse");
  });

  it("judges a change by the metric's direction", () => {
    const d = { champion: 1, challenger: 2, difference: 1, relativeChange: 1, ci: null, relativeCi: null };
    expect(changeVerdict("rmse", { ...d, significant: true })).toBe("worse");
    expect(changeVerdict("r2", { ...d, significant: true })).toBe("better");
    expect(changeVerdict("r2", { ...d, significant: false })).toBe("not_significant");
    expect(changeVerdict("r2", { ...d, significant: null })).toBe("none");
    expect(changeVerdict("custom_metric", { ...d, significant: true })).toBe("significant");
  });

  it("lists the failed rules under the table, outside the details", () => {
    const md = renderMarkdown(failedGateReport());
    const beforeDetails = md.slice(0, md.indexOf("<details>"));
    expect(beforeDetails).toContain("- ❌ RMSE 4.93 is above the maximum 4.5");
    expect(beforeDetails).toContain(
      "- ❌ RMSE rose by 58.01% against the champion's 3.12, more than the 2% allowed",
    );
    expect(beforeDetails).toContain("unseen in training");
  });

  it("says why a champion is not comparable and shows the challenger alone", () => {
    const md = renderMarkdown(notComparableReport());
    expect(md).toContain("**The champion, version 3 (alias `production`), is not comparable**");
    expect(md).toContain("Horsepower\\_kw");
    expect(tableCells(md, "Metric")[0]).toEqual(["Metric", "Challenger", "Interval"]);
  });

  it("flags the worst group of each slice", () => {
    const md = renderMarkdown(improvedReport());
    const slice = tableCells(md, "Group");
    expect(slice[0]).toEqual(["Group", "Rows", "Champion", "Challenger", "Change", ""]);
    const flagged = slice.filter((r) => r[5] === "⚠️ worst").map((r) => r[0]);
    expect(flagged).toEqual(["Europe"]);
    // Champion 4.62 against the challenger's 4.301 in the report.
    expect(slice.find((r) => r[0] === "Europe")?.slice(2, 5)).toEqual(["4.62", "4.301", "-0.319"]);
  });

  it("sets the champion's coefficients beside the challenger's, term by term", () => {
    const md = renderMarkdown(improvedReport());
    const rows = tableCells(md, "Feature");
    expect(rows[0]).toEqual([
      "Feature",
      "Mean abs. contribution",
      "Term",
      "Coefficient ± SE",
      "Champion",
      "Change",
    ]);
    const squared = rows.find((r) => r[2] === "Weight_in_lbs^2")!;
    expect(squared[4]).toBe("—"); // new in the challenger
    const year = rows.find((r) => r[2] === "Year")!;
    expect(year.slice(3)).toEqual(["0.8084 ± 0.053", "0.77", "+0.0384"]);
    expect(rows.at(-1)?.[0]).toBe("(intercept)");
    const notComparable = tableCells(renderMarkdown(notComparableReport()), "Feature");
    expect(notComparable.find((r) => r[2] === "Horsepower_kw")?.[0]).toBe("(dropped)");
  });

  it("tells whether data and spec changed since the champion", () => {
    const md = renderMarkdown(improvedReport());
    expect(md).toContain("(the same data as the champion's)");
    expect(md).toContain("Spec hash `e38b8a75902e` (changed: the champion's was `9f8e7d6c5b4a`)");
  });

  it("lists the search trials best first and marks the chosen one", () => {
    const md = renderMarkdown(carsReport());
    const trials = tableCells(md, "Trial");
    expect(trials[0]).toEqual(["Trial", "Parameters", "CV RMSE", ""]);
    const scores = trials.slice(1).map((r) => Number(r[2]));
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const search = carsReport().models[0]!.search!;
    expect(trials[1]).toEqual([
      String(search.chosen + 1),
      expect.any(String),
      expect.any(String),
      "★ chosen",
    ]);
  });

  it("charts the primary metric across versions, then this candidate, only with a history", () => {
    const md = renderMarkdown(improvedReport(), { history: HISTORY });
    const charts = nodesOf(parseGfm(md), "code").filter((c) => c.lang === "mermaid");
    expect(charts).toHaveLength(1);
    expect(charts[0]!.value).toContain('x-axis ["v1", "v2", "v3", "this PR"]');
    expect(charts[0]!.value).toContain("line [3.58, 3.31, 3.12, 2.86172]");
    expect(renderMarkdown(improvedReport())).not.toContain("mermaid");
    expect(renderMarkdown(improvedReport(), { history: { other: HISTORY.mpg } })).not.toContain("mermaid");
  });

  it("lists fairness rates by group and the calibration bins when the report has them", () => {
    const r = improvedReport();
    const m = r.models[0]!;
    m.threshold = 0.5;
    m.fairness = [
      {
        column: "Origin",
        groups: [
          {
            group: "USA",
            rows: 58,
            positives: 20,
            tooSmall: false,
            positiveRate: 0.4,
            truePositiveRate: 0.85,
            metrics: {},
          },
          {
            group: "Japan",
            rows: 19,
            positives: 9,
            tooSmall: false,
            positiveRate: 0.55,
            truePositiveRate: 0.9,
            metrics: {},
          },
        ],
        parityDifference: { value: 0.15, ci: { lower: 0.02, upper: 0.3 } },
        equalOpportunityDifference: { value: 0.05, ci: null },
      },
    ];
    m.calibration = [
      { bin: 0, rows: 40, minPredicted: 0, maxPredicted: 0.1, meanPredicted: 0.04, observedRate: 0.05 },
      { bin: 9, rows: 30, minPredicted: 0.9, maxPredicted: 1, meanPredicted: 0.95, observedRate: 0.9 },
    ];
    const md = renderMarkdown(reportSchema.parse(r));
    expect(md).toContain("threshold 0.5");
    expect(md).toContain(
      "**By `Origin`**: parity difference 0.15 [0.02, 0.3]; equal opportunity difference 0.05",
    );
    const fairness = tableCells(md, "Group", "Positives");
    expect(fairness).toEqual([
      ["Group", "Rows", "Positives", "Predicted positive", "True positive rate", ""],
      ["USA", "58", "20", "0.4", "0.85", ""],
      ["Japan", "19", "9", "0.55", "0.9", ""],
    ]);
    expect(tableCells(md, "Bin")).toEqual([
      ["Bin", "Predicted", "Rows", "Mean predicted", "Observed rate"],
      ["1", "0 to 0.1", "40", "0.04", "0.05"],
      ["10", "0.9 to 1", "30", "0.95", "0.9"],
    ]);
  });

  it("has a legend for the marks when there is a champion", () => {
    expect(renderMarkdown(improvedReport())).toMatch(/🟢 better and 🔴 worse: the interval excludes zero/);
    expect(renderMarkdown(carsReport())).not.toContain("🟢");
  });
});

describe("renderSummaryLine", () => {
  it("gives the verdict and the primary metric against the champion", () => {
    expect(renderSummaryLine(carsReport())).toBe("gate passed · mpg rmse 2.862 (no champion yet)");
    expect(renderSummaryLine(improvedReport())).toBe("gate passed · mpg rmse 2.862 (-8.3% vs v3, better)");
    expect(renderSummaryLine(failedGateReport())).toBe(
      "gate failed · mpg rmse 4.93 (+58% vs v3, worse) · 2 rules failed: rmse max, rmse maxRelativeWorsening",
    );
    expect(renderSummaryLine(notComparableReport())).toBe(
      "gate passed · mpg rmse 2.862 (champion v3 not comparable)",
    );
  });

  it("counts models when there are several", () => {
    const r = largeReport(3, 0, 0);
    expect(renderSummaryLine(r)).toBe("gate passed for 3 models");
    r.models[1]!.passed = false;
    expect(renderSummaryLine(r)).toBe("gate failed for 1 of 3 models: model-01");
  });
});

// ---------------------------------------------------------------------------------------------
// Nothing from the data can act.

describe("renderMarkdown with hostile names", () => {
  for (const comparable of [true, false]) {
    it(`lets nothing act (${comparable ? "comparable" : "not comparable"} champion)`, () => {
      const md = renderMarkdown(evilReport(comparable), { history: { mpg: HISTORY.mpg } });
      expect(findHazards(md)).toEqual([]);
      // Structure survives: two headings, balanced details, one mermaid block.
      const tree = parseGfm(md);
      expect(nodesOf(tree, "heading").map((h) => h.depth)).toEqual([2, 3]);
      const html = nodesOf(tree, "html").map((h) => h.value);
      const opened = html.filter((h) => h.startsWith("<details>\n<summary>")).length;
      expect(opened).toBeGreaterThanOrEqual(5);
      expect(html.filter((h) => h === "</details>")).toHaveLength(opened);
    });
  }

  it("keeps every group a row of its own, its name intact as code", () => {
    const md = renderMarkdown(evilReport(true));
    const table = nodesOf(parseGfm(md), "table").find((t) =>
      nodesOf({ type: "root", children: [t] }, "text").some((n) => n.value === "Group"),
    )!;
    expect(table.children).toHaveLength(EVIL.length + 1);
    for (const row of table.children) expect(row.children).toHaveLength(6);
    const names = table.children.slice(1).map((row) => (row.children[0]!.children[0] as InlineCode).value);
    // A backslash right before a pipe is kept apart from it by a zero-width space.
    expect(names).toEqual(EVIL.map((s) => cleanText(s, 80).replace(/\\(?=\|)/g, "\\\u200b")));
  });

  it("keeps hostile warnings as visible text", () => {
    const md = renderMarkdown(evilReport(true));
    const texts = nodesOf(parseGfm(md), "text").map((t) => t.value.replaceAll("\u200b", ""));
    for (const w of EVIL.slice(0, 20)) expect(texts).toContain(`⚠️ ${cleanText(w, 300).trim()}`);
    expect(texts).toContain(`⚠️ …and ${EVIL.length - 20} more warnings`);
  });

  it("stays inert with a model name that skipped validation", () => {
    const r = evilReport(true);
    for (const name of EVIL) {
      const copy = structuredClone(r);
      copy.models[0]!.name = name;
      const md = renderMarkdown(copy, { history: { [name]: HISTORY.mpg } });
      expect(findHazards(md)).toEqual([]);
      expect(findHazards(renderSummaryLine(copy))).toEqual([]);
      expect(renderSummaryLine(copy)).toMatch(/^[\w .:·,()%+−-]*$/u);
    }
  });

  it("puts only whitelisted labels into the mermaid chart", () => {
    const r = evilReport(true);
    r.models[0]!.primaryMetric = '"] --> x\n%%{init}%%';
    r.models[0]!.challenger.metrics['"] --> x\n%%{init}%%'] = { value: 2, ci: null };
    const md = renderMarkdown(r, { history: { mpg: HISTORY.mpg } });
    const chart = nodesOf(parseGfm(md), "code").find((c) => c.lang === "mermaid")!;
    expect(chart.value).toContain('title "__ --_ x ___init___ by version"');
    expect(findHazards(md)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Size.

describe("renderMarkdown size", () => {
  it("fits 60 models with 50 slices of 200 groups into a comment, keeping every headline", () => {
    const r = largeReport(60, 50, 200);
    const md = renderMarkdown(r);
    expect(md.length).toBeLessThanOrEqual(65_000);
    expect(md).toContain("Shortened to fit GitHub's size limit");
    const headings = nodesOf(parseGfm(md), "heading").filter((h) => h.depth === 3);
    expect(headings).toHaveLength(60);
    // Every model keeps its metric table.
    expect(nodesOf(parseGfm(md), "table").length).toBeGreaterThanOrEqual(60);
    expect(findHazards(md)).toEqual([]);
  });

  it("leaves out detail in order: trials, coefficients, slice groups, slices, details", () => {
    const r = largeReport(3, 6, 30);
    const full = renderMarkdown(r, { maxLength: 10_000_000 });
    expect(full).not.toContain("Shortened");
    const seen: string[] = [];
    for (let max = full.length - 1; max > 3_000; max = Math.floor(max * 0.98)) {
      const md = renderMarkdown(r, { maxLength: max });
      expect(md.length).toBeLessThanOrEqual(max);
      const note = /left out ([^.]*)\./.exec(md)?.[1] ?? "";
      if (seen.at(-1) !== note) seen.push(note);
    }
    expect(seen.slice(0, 5)).toEqual([
      "search trials",
      "search trials; feature contributions and coefficients",
      "search trials; feature contributions and coefficients; slice groups beyond the worst and the 7 largest",
      "search trials; feature contributions and coefficients; slices and fairness",
      "the details of each model (gate rules, slices, coefficients, data, search, history)",
    ]);
    expect(seen.slice(5)).toEqual(["the details of each model; the tables of 1 model (listed at the end)"]);
  });

  it("lists the models whose tables do not fit, one line each", () => {
    const r = largeReport(60, 0, 0);
    const md = renderMarkdown(r, { maxLength: 8_000 });
    expect(md.length).toBeLessThanOrEqual(8_000);
    expect(md).toMatch(/the tables of \d+ models \(listed at the end\)/);
    expect(md).toContain("- ✅ model-59: passed");
    expect(findHazards(md)).toEqual([]);
  });
});
