/**
 * The WebAssembly fold (qr-fold.wat) against the scalar fold in JavaScript (the accumulator's
 * fold before, and the fold where WebAssembly is missing): the same R, bit for bit, for every width (the paths of eight columns, of two and
 * of one), with dead columns, columns that are zero in one block, and partial blocks.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldBlock, foldBlockScalar } from "../../../src/train/least-squares/qr-fold.js";

const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
  fc.constant(0),
);

describe("the WebAssembly fold", () => {
  it("gives the JavaScript fold's R bit for bit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 27 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (width, blockRows, seed) => {
          let state = seed;
          const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
          const m = 1 + Math.floor(next() * blockRows);
          // Some columns dead (left out of cols), some zero in this block only.
          const cols = Int32Array.from({ length: width }, (_, j) => j).filter(() => next() > 0.15);
          const zero = new Set(Array.from(cols).filter(() => next() < 0.1));
          const block = new Float64Array(width * blockRows);
          for (const j of cols)
            for (let i = 0; i < m; i++)
              block[j * blockRows + i] = zero.has(j)
                ? 0
                : fc.sample(value, { seed: seed + j * 131 + i, numRuns: 1 })[0]!;
          // R from an earlier fold (upper triangle, diagonal ≥ 0) or empty.
          const r = new Float64Array(width * width);
          if (next() < 0.7)
            for (const i of cols)
              for (const j of cols)
                if (j >= i) r[i * width + j] = j === i ? next() * 10 : (next() - 0.5) * 10;
          const expected = r.slice();
          foldBlockScalar(m, width, cols.length, block.slice(), blockRows, expected, cols);
          const got = r.slice();
          expect(foldBlock(m, width, cols.length, block.slice(), blockRows, got, cols)).toBe(0);
          for (let k = 0; k < got.length; k++)
            if (!Object.is(got[k], expected[k])) expect([k, got[k]]).toEqual([k, expected[k]]);
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });

  it("names the column whose values are too large, and leaves R as it was", () => {
    const width = 3;
    const block = new Float64Array(width * 4);
    block.set([1, 2, 3, 4], 0);
    block.set([1e200, 1, 1, 1], 4);
    const r = new Float64Array(width * width);
    expect(foldBlock(4, width, 3, block.slice(), 4, r, Int32Array.from([0, 1, 2]))).toBe(2);
    expect(Array.from(r)).toEqual(new Array(9).fill(0));
    expect(foldBlockScalar(4, width, 3, block.slice(), 4, r, Int32Array.from([0, 1, 2]))).toBe(2);
    expect(Array.from(r)).toEqual(new Array(9).fill(0));
  });
});
