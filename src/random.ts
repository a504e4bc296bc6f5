/**
 * The one pseudo-random generator of the engine: mulberry32 (32-bit state; state += 0x6D2B79F5,
 * then a xorshift-multiply mix). Small, fast and pinned, so every seeded result (bootstrap
 * resamples, profile samples, random search) can be reproduced anywhere.
 */

/** A stream of uniform 32-bit unsigned integers for `seed` (reduced modulo 2^32). */
export function mulberry32(seed: number): () => number {
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform floats in (0, 1) from {@link mulberry32}: never 0 or 1, so their logarithm is finite. */
export function uniformOpen(seed: number): () => number {
  const next = mulberry32(seed);
  return () => (next() + 0.5) / 4294967296;
}
