/**
 * The bootstrap's inner loop in WebAssembly against its definition in JavaScript (the loop that
 * runs where WebAssembly is missing): the same weights, totals and sums, bit for bit, for every
 * channel count the module has and blocks of odd and even length.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { POISSON_WEIGHTS } from "../../src/evaluate/bootstrap.js";
import { BootstrapSums, KERNEL_CHANNELS, ScalarBootstrapSums } from "../../src/evaluate/bootstrap-sums.js";

describe("the bootstrap's inner loop", () => {
  it("gives the scalar loop's weights, totals and sums bit for bit", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: KERNEL_CHANNELS }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (channels, extra, m, state, pool) => {
          const width = channels + extra;
          const blockRows = 64;
          const wasm = new BootstrapSums(POISSON_WEIGHTS, channels, blockRows, width, 3);
          const scalar = new ScalarBootstrapSums(POISSON_WEIGHTS, channels, blockRows, width, 3);
          for (let i = 0; i < channels * blockRows; i++)
            wasm.data[i] = scalar.data[i] = pool[i % pool.length]!;
          for (let c = 0; c < 3; c++)
            for (let round = 0; round < 2; round++) {
              expect(wasm.draw(state + c * 7919 + round, m, c)).toBe(
                scalar.draw(state + c * 7919 + round, m, c),
              );
              expect(Array.from(wasm.w.subarray(0, m + (m % 2)))).toEqual(
                Array.from(scalar.w.subarray(0, m + (m % 2))),
              );
            }
          const same = Array.from(wasm.sums).every((v, k) => Object.is(v, scalar.sums[k]));
          expect(same ? [] : [Array.from(wasm.sums), Array.from(scalar.sums)]).toEqual([]);
        },
      ),
      { seed: 8, numRuns: 400 },
    );
  });
});
