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

/** A seeded stream of uniform numbers. */
export interface Random {
  /** The next 32-bit output, 0 .. 2^32 - 1. */
  nextUint32(): number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in 0 .. n - 1. */
  nextInt(n: number): number;
}

/** mulberry32 seeded with `seed` (an integer; reduced modulo 2^32). */
export function createRandom(seed: number): Random {
  const nextUint32 = mulberry32(seed);
  return {
    nextUint32,
    next: () => nextUint32() / 4294967296,
    nextInt: (n) => Math.floor((nextUint32() / 4294967296) * n),
  };
}
