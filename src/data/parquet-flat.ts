/**
 * The decoding of flat Parquet columns (a top-level primitive column, REQUIRED or OPTIONAL, as
 * DuckDB, pyarrow, pandas and Spark write tables) straight into typed arrays, one row group at a
 * time: hyparquet's page readers (headers, codecs, levels, encodings) without its assembly of
 * nested values, which for a flat column builds a JavaScript array of boxed values. Each value
 * is the one hyparquet's generic read gives (the same conversions: INT64 to a number, DATE and
 * TIMESTAMP to milliseconds, UTF-8 text through the same TextDecoder), so the two reads agree
 * value for value; a column whose conversion is not one of these has no {@link flatKind}.
 */
import { open } from "node:fs/promises";
import type { FileMetaData, SchemaTree } from "hyparquet";
import { parquetHeader } from "hyparquet/src/column.js";
import { DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readRleBitPackedHybrid } from "hyparquet/src/encoding.js";
import { readPlain } from "hyparquet/src/plain.js";
import { readVarInt } from "hyparquet/src/thrift.js";
import { compressors } from "hyparquet-compressors";

/** What hyparquet's page readers take of a column. */
type ColumnDecoder = Parameters<typeof readDataPageV2>[2];
type DataReader = Parameters<typeof readPlain>[0];
type DataPageHeader = Parameters<typeof readDataPage>[1];

/**
 * How a flat column's values read: `number` (DOUBLE, FLOAT, INT32, INT64 without a conversion),
 * `boolean` (1, 0), `days`/`millis`/`micros`/`nanos` (a DATE or TIMESTAMP, as milliseconds since
 * 1970), `text` (UTF-8 byte arrays: STRING, ENUM or unannotated).
 */
export type FlatKind = "number" | "boolean" | "days" | "millis" | "micros" | "nanos" | "text";

/** The largest time a JavaScript Date holds, in milliseconds either side of 1970. */
const MAX_DATE_MS = 8.64e15;

/** One column of one row group, decoded. */
export interface FlatColumn {
  kind: FlatKind;
  /**
   * Every kind but text: the value per row, NaN where the file has a null (and where a float is
   * NaN); booleans 1 and 0, and -1 for a null; a date outside what a Date holds is Infinity.
   */
  num: Float64Array | undefined;
  /** text: the index of each row's text in the row group's `texts`, -1 for a null. */
  index: Int32Array | undefined;
}

/** A row group's flat columns, and the texts their `index` arrays point into. */
export interface FlatGroup {
  columns: FlatColumn[];
  texts: string[];
  /**
   * `n` rows per column: column c's `num` is `block[c * n, (c + 1) * n)` when its plan has
   * `inBlock`, so that the rows can go to the batch builder from here without a copy.
   */
  block: Float64Array;
}

/**
 * The kind of a top-level column whose values hyparquet converts in one of the simple ways
 * above (mirroring hyparquet's `convert`, in its order), or undefined: nested, repeated,
 * DECIMAL, INT96, JSON, UUID, FLOAT16, unsigned or fixed-length columns take the generic read.
 */
export function flatKind(tree: SchemaTree): FlatKind | undefined {
  const e = tree.element;
  if (tree.children.length > 0 || e.repetition_type === "REPEATED") return undefined;
  const ctype = e.converted_type;
  const ltype = e.logical_type;
  const type = e.type;
  if (ctype === "DECIMAL" || (ctype === undefined && type === "INT96")) return undefined;
  if (ctype === "DATE") return type === "INT32" ? "days" : undefined;
  if (ctype === "TIMESTAMP_MILLIS") return type === "INT64" ? "millis" : undefined;
  if (ctype === "TIMESTAMP_MICROS") return type === "INT64" ? "micros" : undefined;
  if (ctype === "JSON" || ctype === "BSON" || ctype === "INTERVAL") return undefined;
  const lt = ltype?.type;
  if (lt === "GEOMETRY" || lt === "GEOGRAPHY" || lt === "UUID" || lt === "VARIANT") return undefined;
  if (ctype === "UTF8" || lt === "STRING" || type === "BYTE_ARRAY")
    return type === "BYTE_ARRAY" ? "text" : undefined;
  if (ctype === "UINT_64" || ctype === "UINT_32") return undefined;
  if (ltype?.type === "INTEGER" && !ltype.isSigned) return undefined;
  if (lt === "FLOAT16") return undefined;
  if (ltype?.type === "TIMESTAMP") {
    if (type !== "INT64") return undefined;
    return ltype.unit === "MICROS" ? "micros" : ltype.unit === "NANOS" ? "nanos" : "millis";
  }
  if (type === "DOUBLE" || type === "FLOAT" || type === "INT32" || type === "INT64") return "number";
  if (type === "BOOLEAN") return "boolean";
  return undefined;
}

/** What the decoder needs of one column of the file. */
export interface FlatColumnPlan {
  name: string;
  tree: SchemaTree;
  root: SchemaTree;
  kind: FlatKind;
  /** Decode the column's numbers into the group's `block` (see {@link FlatGroup}). */
  inBlock: boolean;
}

/** An open Parquet file, read a row group at a time; its buffers serve every row group. */
export class FlatReader {
  private bytes = new Uint8Array(0);
  private block = new Float64Array(0);
  private levels = new Uint8Array(0);

  private constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}

  static async open(path: string): Promise<FlatReader> {
    return new FlatReader(await open(path, "r"));
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  /**
   * Decodes the columns `plans` of row group `g` (the byte ranges of their chunks, read at once).
   * The group's `block` is overwritten by the next call.
   */
  async readGroup(metadata: FileMetaData, g: number, plans: readonly FlatColumnPlan[]): Promise<FlatGroup> {
    const group = metadata.row_groups[g]!;
    const n = Number(group.num_rows);
    const ranges = plans.map((p) => {
      const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join(".") === p.name);
      const meta = chunk?.meta_data;
      if (meta === undefined || chunk?.file_path !== undefined)
        throw new Error(`parquet column ${p.name} of row group ${g} is not in this file`);
      const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
      return { meta, start, end: start + Number(meta.total_compressed_size) };
    });
    const from = Math.min(...ranges.map((r) => r.start));
    const size = Math.max(...ranges.map((r) => r.end)) - from;
    if (this.bytes.length < size) this.bytes = new Uint8Array(size);
    const bytes = this.bytes.subarray(0, size);
    const { bytesRead } = await this.handle.read(bytes, 0, size, from);
    if (bytesRead !== size) throw new Error(`parquet row group ${g} ends past the end of the file`);
    if (this.block.length < plans.length * n) this.block = new Float64Array(plans.length * n);
    const block = this.block.subarray(0, plans.length * n);
    const texts: string[] = [];
    const columns = plans.map((p, c) => {
      const { meta, start, end } = ranges[c]!;
      const decoder: ColumnDecoder = {
        pathInSchema: meta.path_in_schema,
        type: meta.type,
        element: p.tree.element,
        schemaPath: [p.root, p.tree],
        codec: meta.codec,
        parsers: DEFAULT_PARSERS,
        compressors,
      };
      const text = p.kind === "text";
      const column: FlatColumn = {
        kind: p.kind,
        num: text ? undefined : p.inBlock ? block.subarray(c * n, (c + 1) * n) : new Float64Array(n),
        index: text ? new Int32Array(n) : undefined,
      };
      this.decodeChunk(bytes.subarray(start - from, end - from), column, decoder, texts);
      return column;
    });
    return { columns, texts, block };
  }

  /** One column chunk's pages into `column`. */
  private decodeChunk(bytes: Uint8Array, column: FlatColumn, decoder: ColumnDecoder, texts: string[]): void {
    const { kind } = column;
    const out = (column.num ?? column.index)!;
    const n = out.length;
    const none = kind === "text" || kind === "boolean" ? -1 : NaN;
    const maxDefinition = decoder.element.repetition_type === "REQUIRED" ? 0 : 1;
    const { codec, compressors: codecs } = decoder;
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
    let dictionary: Float64Array | undefined;
    let row = 0;
    while (row < n && reader.offset < bytes.length) {
      const header = parquetHeader(reader);
      const page = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
      reader.offset += header.compressed_page_size;
      if (header.type === "DICTIONARY_PAGE") {
        const plain = decompressPage(page, header.uncompressed_page_size, codec, codecs);
        const view = { view: new DataView(plain.buffer, plain.byteOffset, plain.byteLength), offset: 0 };
        const count = header.dictionary_page_header?.num_values ?? 0;
        dictionary = converted(
          readPlain(view, decoder.type, count, decoder.element.type_length),
          kind,
          texts,
        );
        continue;
      }
      let data: ArrayLike<unknown>;
      let levels: ArrayLike<number> | undefined;
      let count: number;
      let encoding: string;
      const daph = header.data_page_header;
      if (header.type === "DATA_PAGE" && daph !== undefined) {
        const plain = decompressPage(page, header.uncompressed_page_size, codec, codecs);
        count = daph.num_values;
        encoding = daph.encoding;
        const simple =
          encoding === "PLAIN" || (encoding.endsWith("_DICTIONARY") && decoder.type !== "BOOLEAN");
        if (simple && (maxDefinition === 0 || daph.definition_level_encoding === "RLE")) {
          if (this.levels.length < count) this.levels = new Uint8Array(count);
          ({ data, levels } = readPageV1(plain, daph, decoder, maxDefinition, this.levels));
        } else {
          const read = readDataPage(plain, daph, decoder);
          data = read.dataPage;
          levels = read.definitionLevels;
        }
      } else if (header.type === "DATA_PAGE_V2" && header.data_page_header_v2 !== undefined) {
        const read = readDataPageV2(page, header, decoder);
        data = read.dataPage;
        levels = read.definitionLevels;
        count = header.data_page_header_v2.num_values;
        encoding = header.data_page_header_v2.encoding;
      } else {
        throw new Error(`parquet unsupported page type: ${header.type}`);
      }
      let values: ArrayLike<number>;
      let at: ArrayLike<number> | undefined;
      if (dictionary !== undefined && encoding.endsWith("_DICTIONARY")) {
        values = dictionary;
        at = data as ArrayLike<number>;
      } else {
        values = converted(data, kind, texts);
      }
      count = Math.min(count, n - row);
      const dense = maxDefinition === 0 || levels === undefined || levels.length === 0;
      if (dense && at === undefined && out instanceof Float64Array && values instanceof Float64Array) {
        out.set(values.subarray(0, count), row);
      } else {
        for (let i = 0, j = 0; i < count; i++) {
          if (!dense && levels![i] !== maxDefinition) {
            out[row + i] = none;
            continue;
          }
          out[row + i] = at === undefined ? values[j]! : values[at[j]!]!;
          j++;
        }
      }
      row += count;
    }
    if (row < n) throw new Error(`parquet column ${decoder.element.name} has ${row} values, not ${n}`);
  }
}

/**
 * A version 1 data page of a flat column, PLAIN or dictionary-encoded, with RLE definition
 * levels: the levels into `levelBuffer` (undefined when no value is null) and the values (or
 * dictionary indices) after them. hyparquet's readDataPage reads the same, its levels into a
 * JavaScript array.
 */
function readPageV1(
  page: Uint8Array,
  daph: DataPageHeader,
  decoder: ColumnDecoder,
  maxDefinition: number,
  levelBuffer: Uint8Array,
): { data: ArrayLike<unknown>; levels: Uint8Array | undefined } {
  const reader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
  const count = daph.num_values;
  const nulls = maxDefinition === 0 ? 0 : readLevels(reader, count, levelBuffer);
  const values = count - nulls;
  const levels = nulls > 0 ? levelBuffer : undefined;
  if (daph.encoding === "PLAIN")
    return { data: readPlain(reader, decoder.type, values, decoder.element.type_length), levels };
  const width = reader.view.getUint8(reader.offset++);
  const indices = new Int32Array(values);
  if (width > 0) readRleBitPackedHybrid(reader, width, indices, page.length - reader.offset);
  return { data: indices, levels };
}

/**
 * Definition levels of bit width 1 (a flat OPTIONAL column), RLE/bit-packed hybrid with their
 * byte length first, into `out[0, count)`. Returns how many are 0 (the nulls).
 */
function readLevels(reader: DataReader, count: number, out: Uint8Array): number {
  const view = reader.view;
  const length = view.getUint32(reader.offset, true);
  reader.offset += 4;
  const end = reader.offset + length;
  let seen = 0;
  let ones = 0;
  while (seen < count && reader.offset < end) {
    const header = readVarInt(reader);
    if ((header & 1) === 0) {
      const run = Math.min(header >>> 1, count - seen);
      const value = view.getUint8(reader.offset++) & 1;
      out.fill(value, seen, seen + run);
      seen += run;
      if (value === 1) ones += run;
    } else {
      const bytes = header >>> 1;
      for (let b = 0; b < bytes; b++) {
        const byte = view.getUint8(reader.offset++);
        for (let bit = 0; bit < 8 && seen < count; bit++, seen++) {
          const v = (byte >>> bit) & 1;
          out[seen] = v;
          ones += v;
        }
      }
    }
  }
  if (seen < count) throw new Error(`parquet page has ${seen} definition levels, not ${count}`);
  reader.offset = end;
  return count - ones;
}

const utf8 = new TextDecoder();

/** The values of a dictionary or a page as the column's kind reads them (texts appended to `texts`). */
function converted(values: ArrayLike<unknown>, kind: FlatKind, texts: string[]): Float64Array {
  const count = values.length;
  const out = new Float64Array(count);
  switch (kind) {
    case "number":
      if (values instanceof Float64Array) return values;
      for (let i = 0; i < count; i++) out[i] = Number(values[i]);
      break;
    case "boolean":
      for (let i = 0; i < count; i++) out[i] = values[i] ? 1 : 0;
      break;
    case "text":
      // The index of each value's text: out[i] = texts.length + i.
      for (let i = 0; i < count; i++) {
        out[i] = texts.length;
        texts.push(utf8.decode(values[i] as Uint8Array));
      }
      break;
    default:
      for (let i = 0; i < count; i++) {
        const v = values[i] as number | bigint;
        // The conversions of hyparquet's parsers: a bigint's division truncates toward zero.
        const ms =
          kind === "days"
            ? (v as number) * 86400000
            : kind === "millis"
              ? Number(v)
              : kind === "micros"
                ? Number((v as bigint) / 1000n)
                : Number((v as bigint) / 1000000n);
        out[i] = Math.abs(ms) <= MAX_DATE_MS ? ms : Infinity;
      }
  }
  return out;
}

/**
 * The file's columns `names` (top-level) with their kinds, or undefined if any is not flat;
 * `inBlock[c]`: decode column c's numbers into the row group's block.
 */
export function flatPlans(
  root: SchemaTree,
  names: readonly string[],
  inBlock: readonly boolean[],
): FlatColumnPlan[] | undefined {
  if (names.length === 0) return undefined;
  const plans: FlatColumnPlan[] = [];
  for (const [c, name] of names.entries()) {
    const tree = root.children.find((t) => t.element.name === name);
    if (tree === undefined) return undefined;
    const kind = flatKind(tree);
    if (kind === undefined) return undefined;
    plans.push({ name, tree, root, kind, inBlock: inBlock[c] ?? false });
  }
  return plans;
}
