/**
 * MurmurHash3_x86_128 (Austin Appleby's reference `MurmurHash3.cpp`), the hash of the stable
 * split. Chosen over 64-bit hashes such as xxHash64 because it needs only 32-bit multiplies,
 * which JavaScript does natively (`Math.imul`): about four times faster here, and the split
 * hashes every row of every read. The split uses its first 64 bits (see SPLIT.md).
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

/** The last {@link murmurhash3} result: the reference's h1, h2, h3, h4 as unsigned 32-bit words. */
export const murmurOut = new Uint32Array(4);

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * MurmurHash3_x86_128 of `b[start, end)` with a 32-bit seed (0 by default). The result lands in
 * {@link murmurOut}, sparing an allocation per call.
 */
export function murmurhash3(b: Uint8Array, start = 0, end = b.length, seed = 0): void {
  let h1 = seed | 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const len = end - start;
  let i = start;
  const blocks = start + (len & ~15);
  for (; i < blocks; i += 16) {
    let k1 = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    let k2 = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24);
    let k3 = b[i + 8]! | (b[i + 9]! << 8) | (b[i + 10]! << 16) | (b[i + 11]! << 24);
    let k4 = b[i + 12]! | (b[i + 13]! << 8) | (b[i + 14]! << 16) | (b[i + 15]! << 24);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  finish(b, i, len, h1, h2, h3, h4);
}

/**
 * {@link murmurhash3} of the `length` bytes of `b` from `start` with seed 0, reading the 16-byte
 * blocks as 32-bit words from `words`, a view of the same memory as `b` (so `b.byteOffset` and
 * `start` are multiples of 4): four loads per block instead of sixteen. Only on little-endian
 * machines, where the words are the reference's little-endian reads.
 */
export function murmurhash3Words(words: Int32Array, b: Uint8Array, start: number, length: number): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = length >> 4;
  const first = start >> 2;
  for (let w = first; w < first + blocks * 4; w += 4) {
    let k1 = words[w]!;
    let k2 = words[w + 1]!;
    let k3 = words[w + 2]!;
    let k4 = words[w + 3]!;
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul((rotl(h1, 19) + h2) | 0, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul((rotl(h2, 17) + h3) | 0, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul((rotl(h3, 15) + h4) | 0, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul((rotl(h4, 13) + h1) | 0, 5) + 0x32ac3b17) | 0;
  }
  finish(b, start + blocks * 16, length, h1, h2, h3, h4);
}

/** The tail bytes from `i` and the finalization, into {@link murmurOut}. */
function finish(b: Uint8Array, i: number, len: number, h1: number, h2: number, h3: number, h4: number): void {
  // The tail: up to 15 bytes, little-endian into k1..k4 as in the reference's switch.
  const tail = len & 15;
  if (tail > 12) {
    let k4 = 0;
    for (let j = tail - 1; j >= 12; j--) k4 = (k4 << 8) | b[i + j]!;
    h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
  }
  if (tail > 8) {
    let k3 = 0;
    for (let j = Math.min(tail, 12) - 1; j >= 8; j--) k3 = (k3 << 8) | b[i + j]!;
    h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
  }
  if (tail > 4) {
    let k2 = 0;
    for (let j = Math.min(tail, 8) - 1; j >= 4; j--) k2 = (k2 << 8) | b[i + j]!;
    h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
  }
  if (tail > 0) {
    let k1 = 0;
    for (let j = Math.min(tail, 4) - 1; j >= 0; j--) k1 = (k1 << 8) | b[i + j]!;
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  murmurOut[0] = h1;
  murmurOut[1] = h2;
  murmurOut[2] = (h3 + h1) | 0;
  murmurOut[3] = (h4 + h1) | 0;
}

/** MurmurHash3_x86_128 as 32 hex digits: h1, h2, h3, h4, each big-endian (as the reference prints). */
export function murmurhash3Hex(bytes: Uint8Array, seed = 0): string {
  murmurhash3(bytes, 0, bytes.length, seed);
  return Array.from(murmurOut, (w) => w.toString(16).padStart(8, "0")).join("");
}
