/**
 * Permutation importance on its own, with a model whose answer is known: y = 3·x1 exactly, x2
 * ignored. Shuffling x1 among n test rows raises rmse from 0 to 3·sqrt(mean((x1 − x1')²)); shuffling
 * x2 changes nothing. Train rows and rows without a target take no part, and every batch comes
 * back as it went in.
 */
import { describe, expect, it } from "vitest";
import { TEST, TRAIN, type RowBatch } from "../../src/data/row-batch.js";
import type { BatchScorer, FittedModel } from "../../src/model/fitted-model.js";
import { permutationImportance } from "../../src/run/permutation-importance.js";
import { uniformOpen } from "../../src/random.js";

const COLUMNS = ["x1", "x2", "y"];

/** Batches of seeded rows; every fourth row is a train row, every tenth test row has no target. */
function makeBatches(sizes: number[], seed = 3): RowBatch[] {
  const random = uniformOpen(seed);
  let row = 0;
  return sizes.map((length) => {
    const x1 = new Float64Array(length);
    const x2 = new Float64Array(length);
    const y = new Float64Array(length);
    const side = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      x1[i] = random() * 10;
      x2[i] = random() * 10;
      side[i] = (row + i) % 4 === 0 ? TRAIN : TEST;
      y[i] = (row + i) % 10 === 1 ? NaN : 3 * x1[i]!;
    }
    const rows = Uint32Array.from({ length }, (_, i) => row + i + 1);
    row += length;
    return {
      length,
      row: rows,
      line: rows.map((r) => r + 1),
      side,
      columns: [x1, x2, y].map((values, j) => ({
        kind: "numeric" as const,
        name: COLUMNS[j]!,
        type: "number" as const,
        values,
      })),
    };
  });
}

const values = (batch: RowBatch, column: number) =>
  (batch.columns[column] as { values: Float64Array }).values;

/** Scores 3·x1 and records which rows it was asked for. */
function threeX1(asked: Set<number>): BatchScorer {
  return {
    model: {} as FittedModel,
    contributionFeatures: null,
    unseen: 0,
    scoreBatch(batch, rows, count, out) {
      for (let t = 0; t < count; t++) {
        asked.add(batch.row[rows[t]!]!);
        out[t] = 3 * values(batch, 0)[rows[t]!]!;
      }
    },
  };
}

async function* iterate(batches: RowBatch[]): AsyncIterable<RowBatch> {
  yield* batches;
}

async function importance(batches: RowBatch[], asked = new Set<number>(), seed = 1) {
  return permutationImportance({
    batches: iterate(batches),
    columnNames: COLUMNS,
    target: (batch, i) => values(batch, 2)[i]!,
    scorer: threeX1(asked),
    features: ["x1", "x2", "absent"],
    metric: "rmse",
    bootstrap: { samples: 200, seed: 7, confidence: 0.95 },
    seed,
  });
}

describe("permutation importance", () => {
  it("measures the feature the model uses, and nothing for one it ignores", async () => {
    const batches = makeBatches([500, 300, 1]);
    const before = batches.map((b) =>
      b.columns.map((c) => Float64Array.from((c as { values: Float64Array }).values)),
    );
    const asked = new Set<number>();
    const [x1, x2, absent] = await importance(batches, asked);

    // Ignored: shuffled predictions equal the intact ones, to the bit.
    expect(x2).toEqual({ feature: "x2", metric: "rmse", change: 0, ci: { lower: 0, upper: 0 } });
    // Not a column of the data: nothing to shuffle, nothing said.
    expect(absent).toEqual({ feature: "absent", metric: "rmse", change: null, ci: null });

    // Used: rmse goes from 0 to 3·sqrt(mean((x1 − x1')²)) over the shuffled test rows, and a
    // uniform on [0, 10) shuffled against itself gives mean((x − x')²) near 2·100/12.
    expect(x1!.feature).toBe("x1");
    expect(x1!.change!).toBeGreaterThan(3 * Math.sqrt((2 * 100) / 12) * 0.85);
    expect(x1!.change!).toBeLessThan(3 * Math.sqrt((2 * 100) / 12) * 1.15);
    expect(x1!.ci!.lower).toBeGreaterThan(0);
    expect(x1!.ci!.lower).toBeLessThanOrEqual(x1!.change!);
    expect(x1!.ci!.upper).toBeGreaterThanOrEqual(x1!.change!);

    // Only test rows were scored; each batch is back as it was.
    const sides = new Map(batches.flatMap((b) => [...b.row].map((r, i) => [r, b.side[i]] as const)));
    expect([...asked].every((r) => sides.get(r) === TEST)).toBe(true);
    batches.forEach((b, k) => b.columns.forEach((c, j) => expect(values(b, j)).toEqual(before[k]![j])));
  });

  it("is the same for the same seed and differs for another", async () => {
    const a = await importance(makeBatches([400, 400]));
    const b = await importance(makeBatches([400, 400]));
    const c = await importance(makeBatches([400, 400]), new Set(), 2);
    expect(b).toEqual(a);
    expect(c[0]!.change).not.toBe(a[0]!.change);
  });

  it("says nothing when no test row has a target", async () => {
    const batches = makeBatches([50]);
    batches[0]!.side.fill(TRAIN);
    const result = await importance(batches);
    expect(result.map((r) => [r.change, r.ci])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
  });
});
