/**
 * A small Parquet writer for the tests: uncompressed column chunks of several pages each, version
 * 1 and 2 data pages, RLE and bit-packed definition levels, a dictionary page whose indices give
 * way to PLAIN pages in the middle of a chunk (as parquet-mr does when a dictionary grows too
 * big). DuckDB writes one page per column chunk; readers must handle these too.
 */

type Thrift =
  | { i32: number }
  | { i64: number }
  | { bin: string | Uint8Array }
  | { bool: boolean }
  | { list: "i32" | "bin" | "struct"; of: Thrift[] }
  | { struct: [number, Thrift][] };

const TYPE = { bool: 1, i32: 5, i64: 6, bin: 8, list: 9, struct: 12 } as const;

class Bytes {
  readonly out: number[] = [];
  byte(b: number): void {
    this.out.push(b & 0xff);
  }
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }
  zigzag(n: number): void {
    this.varint(n >= 0 ? 2 * n : -2 * n - 1);
  }
  u32(n: number): void {
    for (let k = 0; k < 4; k++) this.byte(n >>> (8 * k));
  }
  raw(b: ArrayLike<number>): void {
    for (let k = 0; k < b.length; k++) this.out.push(b[k]!);
  }
  value(v: Thrift): void {
    if ("i32" in v) this.zigzag(v.i32);
    else if ("i64" in v) this.zigzag(v.i64);
    else if ("bin" in v) {
      const b = typeof v.bin === "string" ? new TextEncoder().encode(v.bin) : v.bin;
      this.varint(b.length);
      this.raw(b);
    } else if ("list" in v) {
      const t = TYPE[v.list];
      if (v.of.length < 15) this.byte((v.of.length << 4) | t);
      else {
        this.byte(0xf0 | t);
        this.varint(v.of.length);
      }
      for (const e of v.of) this.value(e);
    } else if ("struct" in v) {
      let last = 0;
      for (const [id, f] of v.struct) {
        const t = "bool" in f ? (f.bool ? 1 : 2) : TYPE[Object.keys(f)[0] as keyof typeof TYPE];
        this.byte(((id - last) << 4) | t);
        last = id;
        if (!("bool" in f)) this.value(f);
      }
      this.byte(0);
    }
  }
}

/** RLE/bit-packed hybrid of `values` at bit width `width`: one RLE run when all are equal. */
function hybrid(values: number[], width: number): number[] {
  const b = new Bytes();
  if (values.length > 0 && values.every((v) => v === values[0])) {
    b.varint(values.length << 1);
    for (let k = 0; k < Math.ceil(width / 8); k++) b.byte(values[0]! >>> (8 * k));
    return b.out;
  }
  const groups = Math.ceil(values.length / 8);
  b.varint((groups << 1) | 1);
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < groups * 8; i++) {
    acc |= (values[i] ?? 0) << bits;
    bits += width;
    while (bits >= 8) {
      b.byte(acc);
      acc >>>= 8;
      bits -= 8;
    }
  }
  return b.out;
}

/** A column to write: its values per row (null for a null), and how its pages are written. */
export interface PageColumn {
  name: string;
  type: "DOUBLE" | "INT32" | "BYTE_ARRAY";
  optional: boolean;
  /** Rows per page. */
  pageRows: number;
  /** Pages (by index in the chunk) written as DATA_PAGE_V2. */
  v2?: (page: number) => boolean;
  /** The first this many pages of each chunk use a dictionary; the rest are PLAIN. */
  dictionaryPages?: number;
  values: (number | string | null)[];
}

const PHYSICAL = { INT32: 1, DOUBLE: 5, BYTE_ARRAY: 6 } as const;

function plain(type: PageColumn["type"], values: (number | string)[]): number[] {
  const b = new Bytes();
  for (const v of values) {
    if (type === "BYTE_ARRAY") {
      const t = new TextEncoder().encode(v as string);
      b.u32(t.length);
      b.raw(t);
    } else if (type === "INT32") b.u32(v as number);
    else b.raw(new Uint8Array(new Float64Array([v as number]).buffer));
  }
  return b.out;
}

function pageHeader(type: number, size: number, header: [number, Thrift]): number[] {
  const b = new Bytes();
  b.value({
    struct: [[1, { i32: type }], [2, { i32: size }], [3, { i32: size }], header],
  });
  return b.out;
}

/** The bytes of a Parquet file of `columns`, cut into row groups of `groups` rows. */
export function writeParquetPages(columns: PageColumn[], groups: number[]): Uint8Array {
  const file = new Bytes();
  file.raw(new TextEncoder().encode("PAR1"));
  const rowGroups: Thrift[] = [];
  let start = 0;
  for (const rows of groups) {
    const chunks: Thrift[] = [];
    for (const col of columns) {
      const offset = file.out.length;
      const values = col.values.slice(start, start + rows);
      let dictionary: Map<string | number, number> | undefined;
      let dictionaryOffset: number | undefined;
      if ((col.dictionaryPages ?? 0) > 0) {
        dictionary = new Map();
        for (const v of values) if (v !== null && !dictionary.has(v)) dictionary.set(v, dictionary.size);
        const body = plain(col.type, [...dictionary.keys()]);
        dictionaryOffset = file.out.length;
        file.raw(
          pageHeader(2, body.length, [
            7,
            {
              struct: [
                [1, { i32: dictionary.size }],
                [2, { i32: 0 }],
              ],
            },
          ]),
        );
        file.raw(body);
      }
      const dataOffset = file.out.length;
      for (let p = 0, from = 0; from < rows; p++, from += col.pageRows) {
        const page = values.slice(from, from + col.pageRows);
        const present = page.filter((v) => v !== null);
        const levels = col.optional
          ? hybrid(
              page.map((v) => (v === null ? 0 : 1)),
              1,
            )
          : [];
        const useDictionary = dictionary !== undefined && p < col.dictionaryPages!;
        let body: number[];
        if (useDictionary) {
          const width = Math.max(1, 32 - Math.clz32(dictionary!.size - 1));
          body = [
            width,
            ...hybrid(
              present.map((v) => dictionary!.get(v!)!),
              width,
            ),
          ];
        } else body = plain(col.type, present as (number | string)[]);
        const encoding = useDictionary ? 8 : 0;
        if (col.v2?.(p) === true) {
          file.raw(
            pageHeader(3, levels.length + body.length, [
              8,
              {
                struct: [
                  [1, { i32: page.length }],
                  [2, { i32: page.length - present.length }],
                  [3, { i32: page.length }],
                  [4, { i32: encoding }],
                  [5, { i32: levels.length }],
                  [6, { i32: 0 }],
                  [7, { bool: false }],
                ],
              },
            ]),
          );
          file.raw(levels);
        } else {
          const prefix = new Bytes();
          if (col.optional) prefix.u32(levels.length);
          const head = [...prefix.out, ...levels];
          file.raw(
            pageHeader(0, head.length + body.length, [
              5,
              {
                struct: [
                  [1, { i32: page.length }],
                  [2, { i32: encoding }],
                  [3, { i32: 3 }],
                  [4, { i32: 3 }],
                ],
              },
            ]),
          );
          file.raw(head);
        }
        file.raw(body);
      }
      const size = file.out.length - offset;
      chunks.push({
        struct: [
          [2, { i64: offset }],
          [
            3,
            {
              struct: [
                [1, { i32: PHYSICAL[col.type] }],
                [2, { list: "i32", of: [{ i32: 0 }, { i32: 3 }, ...(dictionary ? [{ i32: 8 }] : [])] }],
                [3, { list: "bin", of: [{ bin: col.name }] }],
                [4, { i32: 0 }],
                [5, { i64: rows }],
                [6, { i64: size }],
                [7, { i64: size }],
                [9, { i64: dataOffset }],
                ...(dictionaryOffset === undefined
                  ? []
                  : ([[11, { i64: dictionaryOffset }]] as [number, Thrift][])),
              ],
            },
          ],
        ],
      });
    }
    rowGroups.push({
      struct: [
        [1, { list: "struct", of: chunks }],
        [2, { i64: 0 }],
        [3, { i64: rows }],
      ],
    });
    start += rows;
  }
  const schema: Thrift[] = [
    {
      struct: [
        [4, { bin: "schema" }],
        [5, { i32: columns.length }],
      ],
    },
    ...columns.map((c): Thrift => ({
      struct: [
        [1, { i32: PHYSICAL[c.type] }],
        [3, { i32: c.optional ? 1 : 0 }],
        [4, { bin: c.name }],
        ...(c.type === "BYTE_ARRAY" ? ([[6, { i32: 0 }]] as [number, Thrift][]) : []),
      ],
    })),
  ];
  const footer = new Bytes();
  footer.value({
    struct: [
      [1, { i32: 1 }],
      [2, { list: "struct", of: schema }],
      [3, { i64: start }],
      [4, { list: "struct", of: rowGroups }],
    ],
  });
  file.raw(footer.out);
  file.u32(footer.out.length);
  file.raw(new TextEncoder().encode("PAR1"));
  return Uint8Array.from(file.out);
}
