import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  NonFiniteValueError,
  QrAccumulator,
  solveLeastSquares,
  type QrState,
} from "../../../src/train/least-squares/index.js";
import { makeDesign, maxRelativeDifference, multiplyDense, transpose, type Design } from "./random-design.js";

function accumulate(d: Design, from = 0, to = d.y.length, blockRows?: number): QrAccumulator {
  const acc = new QrAccumulator(d.names.length + 1, blockRows ? { blockRows } : {});
  for (let i = from; i < to; i++) acc.addRow([...d.x[i]!, d.y[i]!]);
  return acc;
}

function coefficients(acc: QrAccumulator, d: Design): Float64Array {
  return solveLeastSquares(acc, { columnNames: d.names }).coefficients;
}

/** RᵀR from a factor, as nested arrays. */
function gram(acc: QrAccumulator): number[][] {
  const f = acc.factor();
  const w = f.width;
  const r = Array.from({ length: w }, (_, i) => Array.from(f.r.subarray(i * w, (i + 1) * w)));
  return multiplyDense(transpose(r), r);
}

describe("QrAccumulator", () => {
  const design = makeDesign(1000, 6, 11);
  const full = design.x.map((row, i) => [...row, design.y[i]!]);

  it("factors [X | y] so that RᵀR = [X | y]ᵀ[X | y], R upper triangular with a non-negative diagonal", () => {
    const acc = accumulate(design);
    const f = acc.factor();
    const w = f.width;
    for (let i = 0; i < w; i++) {
      expect(f.r[i * w + i]).toBeGreaterThanOrEqual(0);
      for (let j = 0; j < i; j++) expect(f.r[i * w + j]).toBe(0);
    }
    const expected = multiplyDense(transpose(full), full);
    expect(maxRelativeDifference(gram(acc).flat(), expected.flat(), 1e-6)).toBeLessThan(1e-12);
    expect(acc.rows).toBe(1000);
    expect(acc.weightSum).toBe(1000);
  });

  it("gives the same factor whatever the block size", () => {
    const reference = accumulate(design).factor().r;
    for (const blockRows of [1, 7, 64, 256, 5000]) {
      expect(
        maxRelativeDifference(accumulate(design, 0, 1000, blockRows).factor().r, reference, 1e-6),
      ).toBeLessThan(1e-12);
    }
  });

  it("weights a row by multiplying it by √w: weight 3 equals the row added three times", () => {
    const d = makeDesign(50, 3, 5);
    const weighted = new QrAccumulator(5);
    const repeated = new QrAccumulator(5);
    d.x.forEach((row, i) => {
      const w = (i % 3) + 1;
      weighted.addRow([...row, d.y[i]!], w);
      for (let k = 0; k < w; k++) repeated.addRow([...row, d.y[i]!]);
    });
    weighted.addRow([1, 99, 99, 99, 99], 0); // skipped entirely
    expect(maxRelativeDifference(coefficients(weighted, d), coefficients(repeated, d))).toBeLessThan(1e-12);
    expect(weighted.rows).toBe(50);
    expect(weighted.weightSum).toBe(repeated.rows);
  });

  it("rejects a non-finite value, naming the column, and is unchanged by the rejected row", () => {
    const acc = accumulate(design, 0, 10);
    const error = (() => {
      try {
        acc.addRow([1, 2, 3, NaN, 5, 6, 7, 8]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(NonFiniteValueError);
    expect((error as NonFiniteValueError).column).toBe(3);
    expect(() => acc.addRow([1, 2, 3, 4, 5, 6, Infinity, 8])).toThrow(NonFiniteValueError);
    expect(acc.rows).toBe(10);
    for (let i = 10; i < 1000; i++) acc.addRow(full[i]!);
    expect(acc.toJSON()).toEqual(accumulate(design).toJSON());
  });

  it("rejects rows of the wrong length and bad weights", () => {
    const acc = new QrAccumulator(3);
    expect(() => acc.addRow([1, 2])).toThrow(/expected 3/);
    expect(() => acc.addRow([1, 2, 3], -1)).toThrow(RangeError);
    expect(() => acc.addRow([1, 2, 3], NaN)).toThrow(RangeError);
    expect(() => new QrAccumulator(0)).toThrow(RangeError);
  });

  it("keeps each column's raw range, for naming constant columns", () => {
    const acc = new QrAccumulator(3);
    acc.addRow([1, -2, 5]);
    acc.addRow([1, 4, 6], 2);
    acc.addRow([1, 100, 7], 0);
    const f = acc.factor();
    expect(Array.from(f.min)).toEqual([1, -2, 5]);
    expect(Array.from(f.max)).toEqual([1, 4, 6]);
  });
});

describe("columns that are zero so far", () => {
  // Columns 1 and 3 are zero in the first 300 rows (column 3 throughout), as a missing indicator
  // of complete data is; the fold skips them until they hold a value.
  const design = makeDesign(700, 5, 23);
  const rows = design.x.map((row, i) => {
    const out = [...row, design.y[i]!];
    if (i < 300) out[1] = 0;
    out[3] = 0;
    return out;
  });
  const dense = (acc: QrAccumulator): number[][] => {
    const f = acc.factor();
    return Array.from({ length: f.width }, (_, i) =>
      Array.from(f.r.subarray(i * f.width, (i + 1) * f.width)),
    );
  };

  it("factors them exactly: RᵀR = AᵀA, and R's column of a column never non-zero is zero", () => {
    const acc = new QrAccumulator(rows[0]!.length, { blockRows: 64 });
    for (const row of rows) acc.addRow(row);
    expect(
      maxRelativeDifference(gram(acc).flat(), multiplyDense(transpose(rows), rows).flat(), 1e-6),
    ).toBeLessThan(1e-10);
    expect(dense(acc).map((r) => r[3])).toStrictEqual(rows[0]!.map(() => 0));
  });

  it("continues identically after a JSON round trip while a column is still zero", () => {
    const acc = new QrAccumulator(rows[0]!.length, { blockRows: 64 });
    for (const row of rows.slice(0, 256)) acc.addRow(row);
    const copy = QrAccumulator.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())) as QrState, {
      blockRows: 64,
    });
    for (const row of rows.slice(256)) {
      acc.addRow(row);
      copy.addRow(row);
    }
    expect(dense(copy)).toStrictEqual(dense(acc));
  });
});

describe("merging accumulators (tall-skinny QR)", () => {
  const design = makeDesign(2000, 8, 23);
  const single = coefficients(accumulate(design), design);

  it.each([1, 2, 3, 7])("merged over %i uneven shards equals one accumulator to 1e-10 relative", (shards) => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 1999 }), { minLength: shards - 1, maxLength: shards - 1 }),
        (cuts) => {
          const bounds = [0, ...cuts.sort((a, b) => a - b), 2000];
          const parts = bounds.slice(1).map((to, k) => accumulate(design, bounds[k]!, to));
          // Merged last shard first: the result must not depend on the order.
          const merged = new QrAccumulator(design.names.length + 1);
          for (const part of parts.reverse()) merged.merge(part);
          expect(merged.rows).toBe(2000);
          expect(maxRelativeDifference(coefficients(merged, design), single)).toBeLessThan(1e-10);
        },
      ),
      { seed: 4242, numRuns: 25 },
    );
  });

  it("equals a single run when the shards were serialised and read back (the matrix-job path)", () => {
    const bounds = [0, 13, 700, 701, 1500, 2000];
    const states = bounds
      .slice(1)
      .map((to, k) => JSON.stringify(accumulate(design, bounds[k]!, to).toJSON()));
    const merged = QrAccumulator.fromJSON(JSON.parse(states[0]!) as QrState);
    for (const s of states.slice(1)) merged.merge(QrAccumulator.fromJSON(JSON.parse(s) as QrState));
    expect(maxRelativeDifference(coefficients(merged, design), single)).toBeLessThan(1e-10);
    expect(merged.rows).toBe(2000);
  });

  it("rejects a factor of another width", () => {
    expect(() => new QrAccumulator(3).merge(new QrAccumulator(4))).toThrow(/width/);
  });

  it("is unchanged by merging an empty accumulator", () => {
    const acc = accumulate(design, 0, 300);
    const before = JSON.stringify(acc.toJSON());
    acc.merge(new QrAccumulator(design.names.length + 1));
    expect(JSON.stringify(acc.toJSON())).toBe(before);
  });
});

describe("serialisation", () => {
  const design = makeDesign(777, 5, 3);

  it("round-trips exactly through JSON text, and both copies continue identically", () => {
    const acc = accumulate(design, 0, 500);
    const text = JSON.stringify(acc.toJSON());
    const restored = QrAccumulator.fromJSON(JSON.parse(text) as QrState);
    expect(JSON.stringify(restored.toJSON())).toBe(text);
    expect(restored.factor()).toEqual(acc.factor());
    for (let i = 500; i < 777; i++) {
      acc.addRow([...design.x[i]!, design.y[i]!]);
      restored.addRow([...design.x[i]!, design.y[i]!]);
    }
    expect(JSON.stringify(restored.toJSON())).toBe(JSON.stringify(acc.toJSON()));
  });

  it("holds width·(width+1)/2 numbers of R whatever the row count", () => {
    const width = design.names.length + 1;
    const small = accumulate(design, 0, 20).toJSON();
    const large = new QrAccumulator(width);
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 777; i++) large.addRow([...design.x[i]!, design.y[i]!]);
    }
    const big = large.toJSON();
    expect(big.rows).toBe(155_400);
    expect(small.r).toHaveLength((width * (width + 1)) / 2);
    expect(big.r).toHaveLength((width * (width + 1)) / 2);
    // At most ~24 characters per number (sign, 17 digits, exponent), and no per-row content.
    const bound = 200 + 25 * (big.r.length + 2 * width);
    expect(JSON.stringify(big).length).toBeLessThan(bound);
    expect(JSON.stringify(small).length).toBeLessThan(bound);
  });

  it("serialises an empty accumulator and reads it back", () => {
    const empty = new QrAccumulator(3).toJSON();
    expect(empty.min).toEqual([null, null, null]);
    const restored = QrAccumulator.fromJSON(JSON.parse(JSON.stringify(empty)) as QrState);
    expect(restored.rows).toBe(0);
    expect(restored.toJSON()).toEqual(empty);
  });

  it("refuses malformed partial results", () => {
    const good = accumulate(design, 0, 50).toJSON();
    const bad = (patch: Partial<Record<keyof QrState, unknown>>): QrState =>
      ({ ...good, ...patch }) as QrState;
    expect(() => QrAccumulator.fromJSON(bad({ format: "other/1" }))).toThrow(/format/);
    expect(() => QrAccumulator.fromJSON(bad({ r: good.r.slice(1) }))).toThrow(/r must hold/);
    expect(() => QrAccumulator.fromJSON(bad({ rows: -1 }))).toThrow(/rows/);
    expect(() => QrAccumulator.fromJSON(bad({ min: good.min.slice(1) }))).toThrow(/min/);
    expect(() => QrAccumulator.fromJSON(bad({ r: good.r.map((v, i) => (i === 0 ? null : v)) }))).toThrow(
      /finite/,
    );
    expect(() => QrAccumulator.fromJSON(bad({ r: good.r.map((v, i) => (i === 0 ? -1 : v)) }))).toThrow(
      /diagonal/,
    );
  });

  it("adds column-major rows (all, or a picked subset) to the same factor, bit for bit, as addRow", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 9 }),
        (rows, blockRows, seed) => {
          const d = makeDesign(rows, 4, seed);
          const width = d.names.length + 1;
          const byRow = accumulate(d, 0, rows, blockRows);
          const byColumn = new QrAccumulator(width, { blockRows });
          const picked = new QrAccumulator(width, { blockRows });
          // Column-major copy with spare room (stride > rows) and the rows in chunks of 37.
          const stride = rows + 3;
          const columns = new Float64Array(width * stride);
          d.x.forEach((row, i) => {
            row.forEach((v, j) => (columns[j * stride + i] = v));
            columns[(width - 1) * stride + i] = d.y[i]!;
          });
          for (let from = 0; from < rows; from += 37) {
            const n = Math.min(37, rows - from);
            byColumn.addRows(columns.subarray(from), stride, n);
            picked.addRows(
              columns,
              stride,
              n,
              Int32Array.from({ length: n }, (_, t) => from + t),
            );
          }
          expect(byColumn.toJSON()).toEqual(byRow.toJSON());
          expect(picked.toJSON()).toEqual(byRow.toJSON());
        },
      ),
      { numRuns: 40 },
    );
  });

  it("refuses a non-finite value in column-major rows and adds none of the block", () => {
    const acc = new QrAccumulator(3);
    acc.addRows(Float64Array.from([1, 2, 3, 4, 5, 6]), 2, 2);
    const before = acc.toJSON();
    const bad = Float64Array.from([1, 2, 3, 4, Infinity, 6]);
    let error: unknown;
    try {
      acc.addRows(bad, 2, 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteValueError);
    expect((error as NonFiniteValueError).column).toBe(2);
    expect(acc.toJSON()).toEqual(before);
  });
});
