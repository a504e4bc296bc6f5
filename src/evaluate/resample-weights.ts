/**
 * The pinned generator of the bootstrap and the resample weights drawn from it: multinomial
 * resamples, and the Poisson(1) weights of the Poisson bootstrap (the scheme is described in
 * bootstrap.ts).
 */
export { createRandom, type Random } from "../random.js";

/** Name of the pinned generator, for reports. */
export const BOOTSTRAP_GENERATOR = "mulberry32";

/** How many resamples, drawn from which seed. */
export interface ResampleOptions {
  /** Resamples to draw. */
  samples: number;
  seed: number;
}

/**
 * Calls `visit` with the multiplicity weights of each multinomial resample of `rows` rows (each
 * draws exactly `rows` rows with replacement from the generator's stream, in order). The
 * weights array is reused between calls: read it during the call, do not keep it.
 */
export function forEachResample(
  rows: number,
  options: ResampleOptions,
  visit: (weights: Float64Array, sample: number) => void,
): void {
  if (!(Number.isInteger(options.samples) && options.samples >= 0))
    throw new Error(`bootstrap samples must be a non-negative integer, not ${options.samples}`);
  // mulberry32 inlined (the same stream as createRandom): the draws dominate a bootstrap's time.
  let state = Math.trunc(options.seed) >>> 0;
  const weights = new Float64Array(rows);
  for (let b = 0; b < options.samples; b++) {
    weights.fill(0);
    for (let k = 0; k < rows; k++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      weights[Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * rows)]! += 1;
    }
    visit(weights, b);
  }
}

/**
 * Poisson(1) weight of each 16-bit uniform v: the smallest k with P(W ≤ k) > (v + 1/2) / 2^16.
 */
export const POISSON_WEIGHTS: Uint8Array = (() => {
  const table = new Uint8Array(65536);
  let k = 0;
  let p = Math.exp(-1);
  let cdf = p;
  for (let v = 0; v < 65536; v++) {
    const u = (v + 0.5) / 65536;
    while (u >= cdf) {
      k++;
      p /= k;
      cdf += p;
    }
    table[v] = k;
  }
  return table;
})();

/**
 * Calls `visit` with the Poisson(1) weights of each resample of `rows` rows (see the file
 * comment) and their sum. The weights array is reused between calls: read it during the call,
 * do not keep it.
 */
export function forEachPoissonResample(
  rows: number,
  options: ResampleOptions,
  visit: (weights: Float64Array, sample: number, total: number) => void,
): void {
  if (!(Number.isInteger(options.samples) && options.samples >= 0))
    throw new Error(`bootstrap samples must be a non-negative integer, not ${options.samples}`);
  const table = POISSON_WEIGHTS;
  let state = Math.trunc(options.seed) >>> 0;
  const weights = new Float64Array(rows);
  const even = rows & ~1;
  for (let b = 0; b < options.samples; b++) {
    let total = 0;
    for (let i = 0; i < even; i += 2) {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t ^= t >>> 14;
      const lo = table[t & 0xffff]!;
      const hi = table[t >>> 16]!;
      weights[i] = lo;
      weights[i + 1] = hi;
      total += lo + hi;
    }
    if (even < rows) {
      state = (state + 0x6d2b79f5) | 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t ^= t >>> 14;
      const lo = table[t & 0xffff]!;
      weights[even] = lo;
      total += lo;
    }
    visit(weights, b, total);
  }
}

/** Rows per block of the bootstrap: a block's channels stay in cache across all resamples. */
