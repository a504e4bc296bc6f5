/**
 * The stable train/test split (DESIGN.md section 3; the algorithm and its test vectors are in
 * SPLIT.md beside this file). A row's side depends on the salt and the row's own typed values
 * only, so adding or deleting other rows never moves it.
 */
import type { DataSpec } from "../project/schemas.js";
import { InputError } from "../errors.js";
import type { ColumnVector } from "./row-batch.js";
import { TEST, TRAIN } from "./row-batch.js";
import { endianness } from "node:os";
import { murmurhash3, murmurhash3Words, murmurOut } from "./murmurhash3.js";
import { RowHashSketch, type RowHashBasis } from "./row-hash-sketch.js";

const TAG_MISSING = 0;
const TAG_NUMBER = 1;
const TAG_TEXT = 2;
const TWO_POW_53 = 9007199254740992;
const encoder = new TextEncoder();
const LITTLE_ENDIAN = endianness() === "LE";

/** A typed value as the split sees it: numbers (and booleans, dates) as numbers, text as text. */
export type CanonicalValue = number | string | null;

/**
 * The canonical bytes of a row (SPLIT.md): the salt's UTF-8 length (u32 LE) and bytes, then per
 * hashed column 0x00 for missing, 0x01 + float64 LE for a number (-0 written as 0), or 0x02 +
 * u32 LE length + UTF-8 bytes for text.
 */
export function canonicalRowBytes(salt: string, values: readonly CanonicalValue[]): Uint8Array {
  const parts: number[] = [];
  const pushText = (text: string) => {
    const bytes = encoder.encode(text);
    const n = bytes.length;
    parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, ...bytes);
  };
  pushText(salt);
  const f = new DataView(new ArrayBuffer(8));
  for (const v of values) {
    if (v === null || (typeof v === "number" && Number.isNaN(v))) parts.push(TAG_MISSING);
    else if (typeof v === "number") {
      f.setFloat64(0, v === 0 ? 0 : v, true);
      parts.push(TAG_NUMBER);
      for (let k = 0; k < 8; k++) parts.push(f.getUint8(k));
    } else {
      parts.push(TAG_TEXT);
      pushText(v);
    }
  }
  return Uint8Array.from(parts);
}

/**
 * The split position in [0, 1) of canonical bytes: take the first 64 bits of their
 * MurmurHash3_x86_128 (seed 0) as the little-endian integer h2 * 2^32 + h1, and divide its top
 * 53 bits by 2^53.
 */
export function splitPosition(bytes: Uint8Array, start = 0, end = bytes.length): number {
  murmurhash3(bytes, start, end, 0);
  return lastPosition();
}

/** The split position of the hash in murmurOut. */
function lastPosition(): number {
  return (murmurOut[1]! * 2097152 + (murmurOut[0]! >>> 11)) / TWO_POW_53;
}

/** A row is a test row when its position is below the test share. */
export function sideAt(position: number, testShare: number): number {
  return position < testShare ? TEST : TRAIN;
}

/** A category column's levels as UTF-8 bytes, by code, with their lengths and the longest. */
interface Levels {
  bytes: Uint8Array[];
  lengths: Int32Array;
  longest: number;
}

/** Rows of a batch of numbers laid out (and hashed) at a time by SplitAssigner. */
const ROWS_AT_ONCE = 256;

/** Assigns sides to batches of typed rows, reusing one scratch buffer. */
export class SplitAssigner {
  private scratch = new Uint8Array(4096);
  private view = new DataView(this.scratch.buffer);
  private words = new Int32Array(this.scratch.buffer);
  private readonly prefix: number;
  private readonly hashed: number[];
  /** Per category column: its levels' bytes, made as the column gains levels. */
  private readonly levels = new Map<number, Levels>();
  /** Side-by-side rows of {@link assignNumbers}, made for the first batch of numbers. */
  private rows: { stride: number; bytes: Uint8Array; view: DataView; words: Int32Array } | undefined;
  readonly testShare: number;
  /** What the hashes are taken of (for a {@link RowHashSketch}). */
  readonly basis: RowHashBasis;
  /** When set, every row's hash is offered to it (see {@link sketchRows}). */
  sketch: RowHashSketch | undefined;

  /** `specFile` names the data spec in the problem raised for an unknown key column. */
  constructor(spec: DataSpec, specFile = "data spec") {
    this.testShare = spec.split.test;
    const names = spec.columns.map((c) => c.name);
    if (spec.key !== undefined) {
      const unknown = spec.key.filter((k) => !names.includes(k));
      if (unknown.length > 0) {
        throw new InputError(
          unknown.map((k) => ({
            file: specFile,
            field: k,
            message: `key column "${k}" is not one of the data spec's columns`,
            hint: `columns: ${names.map((n) => JSON.stringify(n)).join(", ")}`,
          })),
        );
      }
      this.hashed = spec.key.map((k) => names.indexOf(k));
    } else this.hashed = names.map((_, i) => i);
    this.basis = {
      by: spec.key !== undefined ? "key" : "row",
      columns: this.hashed.map((k) => names[k]!),
      salt: spec.split.salt,
    };
    const salt = canonicalRowBytes(spec.split.salt, []);
    this.ensure(salt.length + 64);
    this.scratch.set(salt);
    this.prefix = salt.length;
  }

  /** Keeps the `size` smallest row hashes of the rows assigned from now on. */
  sketchRows(size?: number): void {
    this.sketch = new RowHashSketch(this.basis, size);
  }

  private ensure(size: number): void {
    if (size <= this.scratch.length) return;
    const next = new Uint8Array(Math.max(size, this.scratch.length * 2));
    next.set(this.scratch);
    this.scratch = next;
    this.view = new DataView(next.buffer);
    this.words = new Int32Array(next.buffer, 0, next.length >> 2);
  }

  private writeLength(o: number, n: number): void {
    const b = this.scratch;
    b[o] = n & 0xff;
    b[o + 1] = (n >>> 8) & 0xff;
    b[o + 2] = (n >>> 16) & 0xff;
    b[o + 3] = n >>> 24;
  }

  /** Every level of category column k as UTF-8 bytes, with their lengths. */
  private levelsOf(k: number, raw: readonly string[]): Levels {
    let levels = this.levels.get(k);
    if (levels === undefined) {
      levels = { bytes: [], lengths: new Int32Array(0), longest: 0 };
      this.levels.set(k, levels);
    }
    if (levels.bytes.length < raw.length) {
      for (let code = levels.bytes.length; code < raw.length; code++) {
        const bytes = encoder.encode(raw[code]);
        levels.bytes.push(bytes);
        if (bytes.length > levels.longest) levels.longest = bytes.length;
      }
      levels.lengths = Int32Array.from(levels.bytes, (b) => b.length);
    }
    return levels;
  }

  /** The side of each of the `length` rows of `columns` (one vector per spec column). */
  assign(columns: readonly ColumnVector[], length: number): Uint8Array {
    const sides = new Uint8Array(length);
    if (this.testShare <= 0 && this.sketch === undefined) return sides;
    if (LITTLE_ENDIAN && this.allNumbers(columns, length)) {
      this.assignNumbers(columns, length, sides);
      return sides;
    }
    if (LITTLE_ENDIAN && this.hashed.every((k) => columns[k]!.kind !== "string")) {
      this.assignColumns(columns, length, sides);
      return sides;
    }
    const hashed = this.hashed;
    let limit = this.sketch?.limit ?? -1;
    // Room for every fixed-size value; text values make more room as they come.
    const fixed = this.prefix + 9 * hashed.length;
    this.ensure(fixed);
    let scratch = this.scratch;
    let view = this.view;
    for (let r = 0; r < length; r++) {
      let o = this.prefix;
      for (let h = 0; h < hashed.length; h++) {
        const k = hashed[h]!;
        const vec = columns[k]!;
        if (vec.kind === "numeric") {
          const v = vec.values[r]!;
          if (v !== v) scratch[o++] = TAG_MISSING;
          else {
            scratch[o++] = TAG_NUMBER;
            view.setFloat64(o, v === 0 ? 0 : v, true);
            o += 8;
          }
          continue;
        }
        let text: Uint8Array | string | null | undefined;
        if (vec.kind === "category") {
          const code = vec.codes[r]!;
          text = code < 0 ? null : this.levelsOf(k, vec.raw).bytes[code]!;
        } else text = vec.values[r];
        if (text === null || text === undefined) {
          scratch[o++] = TAG_MISSING;
          continue;
        }
        this.ensure(o + 5 + text.length * 3 + fixed);
        scratch = this.scratch;
        view = this.view;
        let written: number;
        if (typeof text === "string") written = encoder.encodeInto(text, scratch.subarray(o + 5)).written;
        else {
          scratch.set(text, o + 5);
          written = text.length;
        }
        scratch[o] = TAG_TEXT;
        this.writeLength(o + 1, written);
        o += 5 + written;
      }
      if (LITTLE_ENDIAN) murmurhash3Words(this.words, scratch, 0, o);
      else murmurhash3(scratch, 0, o, 0);
      const p = lastPosition();
      sides[r] = sideAt(p, this.testShare);
      if (p <= limit) limit = this.sketch!.add(p);
    }
    return sides;
  }

  /** Whether every hashed value of the batch is a number: then every row's bytes share a layout. */
  private allNumbers(columns: readonly ColumnVector[], length: number): boolean {
    for (const k of this.hashed) {
      const vec = columns[k]!;
      if (vec.kind !== "numeric") return false;
      const values = vec.values;
      for (let r = 0; r < length; r++) if (values[r] !== values[r]) return false;
    }
    return true;
  }

  /**
   * {@link assign} for a batch of numbers only: the rows' bytes (salt, then a tag and 8 bytes per
   * value) are laid out side by side, word-aligned, and written a column at a time.
   */
  private assignNumbers(columns: readonly ColumnVector[], length: number, sides: Uint8Array): void {
    const hashed = this.hashed;
    const rowBytes = this.prefix + 9 * hashed.length;
    const stride = (rowBytes + 3) & ~3;
    let rows = this.rows;
    if (rows === undefined || rows.stride !== stride) {
      const bytes = new Uint8Array(stride * ROWS_AT_ONCE);
      // The salt and the tags are the same in every row: written once.
      for (let r = 0; r < ROWS_AT_ONCE; r++) {
        bytes.set(this.scratch.subarray(0, this.prefix), r * stride);
        for (let h = 0; h < hashed.length; h++) bytes[r * stride + this.prefix + 9 * h] = TAG_NUMBER;
      }
      rows = { stride, bytes, view: new DataView(bytes.buffer), words: new Int32Array(bytes.buffer) };
      this.rows = rows;
    }
    const { bytes, view, words } = rows;
    const share = this.testShare;
    let limit = this.sketch?.limit ?? -1;
    for (let from = 0; from < length; from += ROWS_AT_ONCE) {
      const m = Math.min(ROWS_AT_ONCE, length - from);
      for (let h = 0; h < hashed.length; h++) {
        const values = (columns[hashed[h]!] as Extract<ColumnVector, { kind: "numeric" }>).values;
        let o = this.prefix + 9 * h + 1;
        for (let r = 0; r < m; r++, o += stride) {
          const v = values[from + r]!;
          view.setFloat64(o, v === 0 ? 0 : v, true);
        }
      }
      for (let r = 0; r < m; r++) {
        murmurhash3Words(words, bytes, r * stride, rowBytes);
        const p = lastPosition();
        sides[from + r] = sideAt(p, share);
        if (p <= limit) limit = this.sketch!.add(p);
      }
    }
  }

  /**
   * {@link assign} for a batch of numbers and categories (missing values too): the general loop
   * with each column's array, and each category's level bytes and lengths, looked up once per
   * batch rather than once per value.
   */
  private assignColumns(columns: readonly ColumnVector[], length: number, sides: Uint8Array): void {
    const { hashed, prefix } = this;
    const count = hashed.length;
    const numbers: (Float64Array | undefined)[] = [];
    const codes: (Int32Array | undefined)[] = [];
    const levels: Uint8Array[][] = [];
    const lengths: Int32Array[] = [];
    // Room for the longest row: a number takes 9 bytes, a level 5 and its bytes.
    let longest = prefix;
    for (let h = 0; h < count; h++) {
      const vec = columns[hashed[h]!]!;
      if (vec.kind === "numeric") {
        numbers.push(vec.values);
        codes.push(undefined);
        levels.push([]);
        lengths.push(new Int32Array(0));
        longest += 9;
      } else if (vec.kind === "category") {
        const known = this.levelsOf(hashed[h]!, vec.raw);
        numbers.push(undefined);
        codes.push(vec.codes);
        levels.push(known.bytes);
        lengths.push(known.lengths);
        longest += 5 + known.longest;
      }
    }
    this.ensure(longest + 8);
    const { scratch, view, words } = this;
    const share = this.testShare;
    let limit = this.sketch?.limit ?? -1;
    for (let r = 0; r < length; r++) {
      let o = prefix;
      for (let h = 0; h < count; h++) {
        const values = numbers[h];
        if (values !== undefined) {
          const v = values[r]!;
          if (v !== v) scratch[o++] = TAG_MISSING;
          else {
            scratch[o] = TAG_NUMBER;
            view.setFloat64(o + 1, v === 0 ? 0 : v, true);
            o += 9;
          }
          continue;
        }
        const code = codes[h]![r]!;
        if (code < 0) {
          scratch[o++] = TAG_MISSING;
          continue;
        }
        const level = levels[h]![code]!;
        const n = lengths[h]![code]!;
        scratch[o] = TAG_TEXT;
        view.setUint32(o + 1, n, true);
        o += 5;
        // Levels are short: a loop beats set()'s call.
        for (let i = 0; i < n; i++) scratch[o + i] = level[i]!;
        o += n;
      }
      murmurhash3Words(words, scratch, 0, o);
      const p = lastPosition();
      sides[r] = sideAt(p, share);
      if (p <= limit) limit = this.sketch!.add(p);
    }
  }
}
