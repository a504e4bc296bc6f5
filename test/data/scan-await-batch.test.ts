/**
 * A caller whose work per batch is asynchronous (an ONNX model scoring through its runtime) gets
 * each batch to itself until its promise settles: the scan takes the next batch only then, so
 * monitoring scores an ONNX production model in the checking pass, not in a second read.
 */
import { describe, expect, it } from "vitest";
import { scanDataset } from "../../src/data/scan-dataset.js";
import { dataSpec, tempFile } from "./data-test-helpers.js";

describe("scanDataset with an asynchronous onBatch", () => {
  it("awaits each batch's promise before the next batch", async () => {
    const text = "id\n" + Array.from({ length: 300 }, (_, i) => String(i + 1)).join("\n") + "\n";
    const spec = dataSpec({ columns: [{ name: "id", type: "integer" }] });
    const events: string[] = [];
    const sums: number[] = [];
    const scan = await scanDataset(spec, tempFile("ids.csv", text), {
      batchSize: 128,
      recycle: true,
      onBatch: async (batch) => {
        events.push(`start ${batch.length}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const ids = (batch.columns[0] as { values: Float64Array }).values;
        sums.push(ids.subarray(0, batch.length).reduce((a, b) => a + b, 0));
        events.push(`end ${batch.length}`);
      },
    });
    expect(scan.rows).toBe(300);
    expect(events).toEqual(["start 128", "end 128", "start 128", "end 128", "start 44", "end 44"]);
    // The values each callback read after its wait are its own batch's: 1..128, 129..256, 257..300.
    expect(sums).toEqual([
      (128 * 129) / 2,
      (256 * 257) / 2 - (128 * 129) / 2,
      (300 * 301) / 2 - (256 * 257) / 2,
    ]);
  });
});
