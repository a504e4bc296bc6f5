/**
 * The row spill gives back exactly the batches the scan handed it, pass after pass: every
 * column kind, missing values, category levels that grew after a batch was written, text with
 * quotes and non-ASCII characters.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RowSpill } from "../../src/data/row-spill.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import type { RowBatch } from "../../src/data/row-batch.js";
import { dataSpec, readAll, rowsOf, tempFile } from "./data-test-helpers.js";

const spec = dataSpec({
  columns: [
    { name: "x", type: "number", nullable: true },
    { name: "when", type: "date", nullable: true },
    { name: "ok", type: "boolean" },
    { name: "kind", type: "category", nullable: true },
    { name: "note", type: "string", nullable: true },
  ],
  split: { test: 0.3, salt: "spill" },
});

function csv(rows: number): string {
  const lines = ["x,when,ok,kind,note"];
  for (let i = 0; i < rows; i++) {
    const note = i % 7 === 0 ? "" : i % 5 === 0 ? `"said ""hi"", ${i}"` : `naïve ${i} 🙂`;
    lines.push(
      `${i % 11 === 0 ? "" : (i * 0.37 - 4).toFixed(3)},${i % 13 === 0 ? "" : `2024-01-${String((i % 28) + 1).padStart(2, "0")}`},${i % 2 ? "yes" : "no"},${i % 9 === 0 ? "" : `k${Math.floor(i / 40)}`},${note}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

const folder = mkdtempSync(path.join(tmpdir(), "modelgate-spill-test-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("RowSpill", () => {
  it("reads back every batch as scanned, on every pass, with levels found after the batch", async () => {
    const file = tempFile("spill.csv", csv(1000));
    const spill = RowSpill.open(folder);
    const seen: RowBatch[] = [];
    await scanDataset(spec, file, {
      batchSize: 64,
      onBatch(batch) {
        spill.append(batch);
        seen.push(batch);
      },
    });
    expect(spill.rows).toBe(1000);
    const expected = await readAll(spec, file, { batchSize: 64 });
    for (let pass = 0; pass < 2; pass++) {
      const back: RowBatch[] = [];
      for await (const b of spill.batches()) back.push(b);
      expect(back.map((b) => b.length)).toEqual(seen.map((b) => b.length));
      expect(back.flatMap(rowsOf)).toEqual(expected);
      // The levels of the last category grew long after the first batch was written.
      const kind = back[0]!.columns[3]!;
      expect(kind.kind === "category" && kind.levels.length).toBe(25);
    }
    spill.close();
    spill.close();
    await expect(async () => {
      for await (const b of spill.batches()) void b;
    }).rejects.toThrow(/closed/);
  });

  it("leaves nothing in its folder", () => {
    const spill = RowSpill.open(folder);
    spill.close();
    expect(readdirSync(folder)).toEqual([]);
  });

  it("reads an empty spill as no batches", async () => {
    const spill = RowSpill.open(folder);
    const back: RowBatch[] = [];
    for await (const b of spill.batches()) back.push(b);
    expect(back).toEqual([]);
    spill.close();
  });
});
