/** "What changed in the data" in the comment and the HTML report, from a real comparison. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { compareData } from "../../src/monitor/compare-data.js";
import { loadDataSpec } from "../../src/project/load-project.js";
import { DEFAULT_THRESHOLDS } from "../../src/project/monitor-thresholds.js";
import type { DataChangeJson } from "../../src/report/data-change-schema.js";
import { renderHtml } from "../../src/report/render-html.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";
import { reportSchema, type Report } from "../../src/report/report-schema.js";
import { championEdges } from "../../src/run/data-change.js";
import { tempFile } from "../data/data-test-helpers.js";
import { findHazards } from "./markdown-safety.js";
import { carsReport, EVIL } from "./report-fixtures.js";

const spec = loadDataSpec(path.resolve("examples/credit/data/credit.data.yml"), "credit.data.yml");
const lines = readFileSync(path.resolve("examples/credit/data/german.csv"), "utf8").trim().split("\n");
const at = (name: string) => spec.columns.findIndex((c) => c.name === name);

let change: DataChangeJson;
beforeAll(async () => {
  // Version 2: 40 rows removed, 300 added with tripled amounts, all of them bad risks.
  const v2 = [
    ...lines.filter((_, i) => i % 25 !== 7),
    ...lines.slice(0, 300).map((line) => {
      const cells = line.split(",");
      cells[at("amount_dm")] = String(Number(cells[at("amount_dm")]) * 3 + 1);
      cells[at("risk")] = "2";
      return cells.join(",");
    }),
  ];
  const before = await scanDataset(spec, tempFile("german.csv", lines.join("\n") + "\n"));
  const file = tempFile("german-v2.csv", v2.join("\n") + "\n");
  const after = await scanDataset(spec, file);
  const binned = await scanDataset(spec, file, { edges: championEdges(before.profile)! });
  change = compareData({
    training: before.profile,
    current: after.profile,
    binned: binned.profile,
    target: "risk",
    features: ["amount_dm", "age", "purpose"],
    thresholds: { ...DEFAULT_THRESHOLDS },
    champion: { version: 2, specHash: "a".repeat(64), dataHash: "b".repeat(64) },
    specHash: "a".repeat(64),
    dataHash: "c".repeat(64),
  });
});

function withChange(d: DataChangeJson): Report {
  const r = carsReport();
  r.models[0]!.dataChange = d;
  return reportSchema.parse(r);
}

const body = (md: string) => md.split("\n");

describe("data change in the comment", () => {
  it("puts one line at the top of a data-only pull request's comment", () => {
    const md = renderMarkdown(withChange(change));
    const first = body(md)[0]!;
    expect(first).toMatch(
      /^\*\*Data changed:\*\* \+300 rows, −40 rows; drift in `amount_dm` \(PSI \d\.\d\d\)/,
    );
    expect(first).toMatch(/; target `risk` shifted \(`bad` 30% → \d\d(\.\d+)?%\)$/);
    // The title follows; the section is in the model's details.
    expect(body(md)[2]).toMatch(/^## /);
    expect(md).toContain("<summary>What changed in the data since v2: +300 rows, −40 rows</summary>");
    expect(md).toMatch(/\| `amount_dm` +\| feature \|/);
  });

  it("has no top line when the spec changed too, but keeps the section", () => {
    const md = renderMarkdown(withChange({ ...change, dataOnly: false }));
    expect(body(md)[0]).toMatch(/^## /);
    expect(md).not.toContain("**Data changed:**");
    expect(md).toContain("What changed in the data since v2");
  });

  it("writes estimated row counts with their margins", () => {
    const rows = { ...change.rows!, exact: false, added: 310, addedMargin: 22, removedMargin: 9 };
    const md = renderMarkdown(withChange({ ...change, rows }));
    expect(body(md)[0]).toMatch(/^\*\*Data changed:\*\* about \+310 \(±22\) rows, −40 \(±9\) rows;/);
  });

  it("stays inert and inside the size cap with hostile names and many columns", () => {
    const pick = (k: number) => EVIL[k % EVIL.length]!.slice(0, 200);
    const columns = Array.from({ length: 500 }, (_, k) => ({
      ...change.columns[0]!,
      name: pick(k),
      status: "alert" as const,
    }));
    const evil: DataChangeJson = {
      ...change,
      columns,
      columnsAdded: columns.slice(0, 50).map((c) => c.name),
      columnsDropped: columns.slice(50, 100).map((c) => c.name),
      newCategories: Array.from({ length: 100 }, (_, k) => ({
        column: pick(k),
        values: Array.from({ length: 20 }, (_, j) => ({ value: pick(k + j), count: j })),
        omitted: 3,
      })),
      rowsNote: pick(3),
      rows: null,
    };
    const report = withChange(evil);
    for (const max of [65_000, 8_000]) {
      const md = renderMarkdown(report, { maxLength: max });
      expect(md.length).toBeLessThanOrEqual(max);
      expect(findHazards(md)).toEqual([]);
      expect(body(md)[0]).toMatch(/^\*\*Data changed:\*\* 1,000 → 1,260 rows; drift in /);
    }
    const html = renderHtml(report);
    expect(html).not.toMatch(/<img|<script|<\/details><details open><summary>x/);
  });
});

describe("data change in the HTML report", () => {
  it("shows a callout and an open section for a data-only change", () => {
    const html = renderHtml(withChange(change));
    expect(html).toMatch(
      /<div class="callout warn" role="note"><strong>Data changed:<\/strong> \+300 rows, −40 rows; drift in <code>amount_dm<\/code>/,
    );
    expect(html).toContain(
      "<details open><summary>What changed in the data since v2: +300 rows, −40 rows</summary>",
    );
    expect(html).toMatch(/<tr><td><code>amount_dm<\/code><\/td><td>feature<\/td><td>integer<\/td>/);
    expect(html).toContain("Target <code>risk</code>: <code>good</code> 70% → ");
  });

  it("collapses the section and drops the callout otherwise", () => {
    const html = renderHtml(withChange({ ...change, dataOnly: false }));
    expect(html).not.toContain("<strong>Data changed:</strong>");
    expect(html).toContain("<details><summary>What changed in the data since v2");
  });
});

describe("data change in a page over the size limit", () => {
  it("keeps the worst columns of the data change and says what it left out", () => {
    const columns = Array.from({ length: 400 }, (_, k) => ({
      ...change.columns[k % change.columns.length]!,
      name: `column_${k}`,
      note: "x".repeat(1500),
    }));
    const html = renderHtml(withChange({ ...change, columns }), { maxBytes: 150_000 });
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(150_000);
    expect(html).toContain("<code>column_0</code>");
    expect(html).not.toContain("<code>column_399</code>");
    expect(html).toMatch(/the data change of \d+ columns/);
  });
});
