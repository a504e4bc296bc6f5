/**
 * xxHash64 (XXH64, Yann Collet's specification, seed 0 unless given) in 32-bit arithmetic.
 *
 * The split runs it once per row, so it avoids BigInt: every 64-bit value is a pair of unsigned
 * 32-bit halves, and products are built from 16-bit limbs so that no intermediate loses bits.
 * The result lands in the module's `outHi`/`outLo` to spare an allocation per call.
 */

// The five primes of the specification, as [high, low] halves.
const P1H = 0x9e3779b1,
  P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d,
  P2L = 0x27d4eb4f;
const P3H = 0x165667b1,
  P3L = 0x9e3779f9;
const P4H = 0x85ebca77,
  P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f,
  P5L = 0x165667c5;

const TWO32 = 4294967296;

// Results of the helpers below; reading them right after a call is part of their contract.
let rH = 0;
let rL = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rH:rL. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33, exact in a double
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const carry = Math.floor(low / TWO32);
  rL = low >>> 0;
  rH = (a1 * b1 + Math.floor(mid / 65536) + carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 into rH:rL. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const low = al + bl;
  rL = low >>> 0;
  rH = (ah + bh + (low >= TWO32 ? 1 : 0)) >>> 0;
}

/** Rotate (h:l) left by r bits, 0 < r < 32, into rH:rL. */
function rotl(h: number, l: number, r: number): void {
  rH = ((h << r) | (l >>> (32 - r))) >>> 0;
  rL = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** XXH64 round: rotl(acc + lane * P2, 31) * P1, into rH:rL. */
function round(accH: number, accL: number, laneH: number, laneL: number): void {
  mul(laneH, laneL, P2H, P2L);
  add(accH, accL, rH, rL);
  rotl(rH, rL, 31);
  mul(rH, rL, P1H, P1L);
}

/** XXH64 merge round: (acc ^ round(0, v)) * P1 + P4, into rH:rL. */
function mergeRound(accH: number, accL: number, vH: number, vL: number): void {
  round(0, 0, vH, vL);
  mul((accH ^ rH) >>> 0, (accL ^ rL) >>> 0, P1H, P1L);
  add(rH, rL, P4H, P4L);
}

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** High half of the last {@link xxhash64} result. */
export let outHi = 0;
/** Low half of the last {@link xxhash64} result. */
export let outLo = 0;

/**
 * XXH64 of `bytes[start, end)` with a 32-bit `seed` (0 by default); the 64-bit result is left in
 * {@link outHi} and {@link outLo}.
 */
export function xxhash64(bytes: Uint8Array, start = 0, end = bytes.length, seed = 0): void {
  const len = end - start;
  let i = start;
  let hH: number;
  let hL: number;
  const sH = 0;
  const sL = seed >>> 0;
  if (len >= 32) {
    add(sH, sL, P1H, P1L);
    add(rH, rL, P2H, P2L);
    let v1H = rH,
      v1L = rL;
    add(sH, sL, P2H, P2L);
    let v2H = rH,
      v2L = rL;
    let v3H = sH,
      v3L = sL;
    // seed - P1 = seed + (2^64 - P1)
    add(sH, sL, ~P1H >>> 0, ~P1L >>> 0);
    add(rH, rL, 0, 1);
    let v4H = rH,
      v4L = rL;
    const limit = end - 32;
    while (i <= limit) {
      round(v1H, v1L, u32(bytes, i + 4), u32(bytes, i));
      v1H = rH;
      v1L = rL;
      round(v2H, v2L, u32(bytes, i + 12), u32(bytes, i + 8));
      v2H = rH;
      v2L = rL;
      round(v3H, v3L, u32(bytes, i + 20), u32(bytes, i + 16));
      v3H = rH;
      v3L = rL;
      round(v4H, v4L, u32(bytes, i + 28), u32(bytes, i + 24));
      v4H = rH;
      v4L = rL;
      i += 32;
    }
    rotl(v1H, v1L, 1);
    hH = rH;
    hL = rL;
    rotl(v2H, v2L, 7);
    add(hH, hL, rH, rL);
    hH = rH;
    hL = rL;
    rotl(v3H, v3L, 12);
    add(hH, hL, rH, rL);
    hH = rH;
    hL = rL;
    rotl(v4H, v4L, 18);
    add(hH, hL, rH, rL);
    hH = rH;
    hL = rL;
    mergeRound(hH, hL, v1H, v1L);
    mergeRound(rH, rL, v2H, v2L);
    mergeRound(rH, rL, v3H, v3L);
    mergeRound(rH, rL, v4H, v4L);
    hH = rH;
    hL = rL;
  } else {
    add(sH, sL, P5H, P5L);
    hH = rH;
    hL = rL;
  }
  add(hH, hL, Math.floor(len / TWO32) >>> 0, len >>> 0);
  hH = rH;
  hL = rL;
  while (i + 8 <= end) {
    round(0, 0, u32(bytes, i + 4), u32(bytes, i));
    rotl((hH ^ rH) >>> 0, (hL ^ rL) >>> 0, 27);
    mul(rH, rL, P1H, P1L);
    add(rH, rL, P4H, P4L);
    hH = rH;
    hL = rL;
    i += 8;
  }
  if (i + 4 <= end) {
    mul(0, u32(bytes, i), P1H, P1L);
    rotl((hH ^ rH) >>> 0, (hL ^ rL) >>> 0, 23);
    mul(rH, rL, P2H, P2L);
    add(rH, rL, P3H, P3L);
    hH = rH;
    hL = rL;
    i += 4;
  }
  while (i < end) {
    mul(0, bytes[i]!, P5H, P5L);
    rotl((hH ^ rH) >>> 0, (hL ^ rL) >>> 0, 11);
    mul(rH, rL, P1H, P1L);
    hH = rH;
    hL = rL;
    i++;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hL = (hL ^ (hH >>> 1)) >>> 0;
  mul(hH, hL, P2H, P2L);
  hL = (rL ^ (((rH << 3) | (rL >>> 29)) >>> 0)) >>> 0;
  hH = (rH ^ (rH >>> 29)) >>> 0;
  mul(hH, hL, P3H, P3L);
  outHi = rH;
  outLo = (rL ^ rH) >>> 0;
}

/** XXH64 of `bytes` as 16 lower-case hex digits (for test vectors and documentation). */
export function xxhash64Hex(bytes: Uint8Array, seed = 0): string {
  xxhash64(bytes, 0, bytes.length, seed);
  return outHi.toString(16).padStart(8, "0") + outLo.toString(16).padStart(8, "0");
}
