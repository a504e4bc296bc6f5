/**
 * The column types as the batch builder reads them: a state per column of the data spec (type
 * code, bounds, category levels, missing rows), built once per read, and the boolean words.
 */
import type { ColumnSpec, DataSpec } from "../project/schemas.js";
import { parseIsoDate } from "./parse-values.js";

export const T_NUMBER = 0;
export const T_INTEGER = 1;
export const T_BOOLEAN = 2;
export const T_DATE = 3;
export const T_CATEGORY = 4;
export const T_STRING = 5;

export const TYPE_CODE: Record<ColumnSpec["type"], number> = {
  number: T_NUMBER,
  integer: T_INTEGER,
  boolean: T_BOOLEAN,
  date: T_DATE,
  category: T_CATEGORY,
  string: T_STRING,
};

export const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The words a boolean cell may hold (in any case), and their values. */
export const BOOLEAN_TEXT: Readonly<Record<string, number>> = {
  true: 1,
  false: 0,
  yes: 1,
  no: 0,
  "1": 1,
  "0": 0,
};

/** How a column's cells are read and checked; built once per read from the spec. */
export interface ColumnState {
  readonly spec: ColumnSpec;
  readonly name: string;
  readonly t: number;
  readonly nullable: boolean;
  readonly min: number;
  readonly max: number;
  /** category: raw value -> code. */
  readonly codeOf: Map<string, number>;
  /** category: levels with labels applied, by code. */
  readonly levels: string[];
  /** category: levels as written in the file, by code. */
  readonly raw: string[];
  /** category: whether the spec lists the allowed values (then no level is ever added). */
  readonly closed: boolean;
  /** Whether a cell that is absent from a record (JSON) is a missing value to check. */
  reportAbsent: boolean;
  lastDateText: string;
  lastDateValue: number;
  /** The first few rows with a missing value, for messages. */
  readonly missingRows: number[];
  /** Texts that stand for a missing value (the spec's `missing`, without ""), if any. */
  readonly markers: ReadonlySet<string> | undefined;
  /** Number, integer, boolean and date columns: the values of the markers that read as one. */
  readonly markerValues: ReadonlySet<number> | undefined;
}

/** The markers of a column (its own `missing`, else the spec's) and the values they read as. */
function markersOf(
  spec: DataSpec,
  column: ColumnSpec,
  t: number,
): Pick<ColumnState, "markers" | "markerValues"> {
  const list = (column.missing ?? spec.missing ?? []).filter((m) => m !== "");
  if (list.length === 0) return { markers: undefined, markerValues: undefined };
  const values = new Set<number>();
  for (const m of list) {
    const text = m.replace(/^[ \t]+|[ \t]+$/g, "");
    const v =
      t === T_DATE
        ? parseIsoDate(text)
        : t === T_BOOLEAN
          ? (BOOLEAN_TEXT[text.toLowerCase()] ?? NaN)
          : t === T_NUMBER || t === T_INTEGER
            ? NUMBER_TEXT.test(text)
              ? Number(text)
              : NaN
            : NaN;
    if (v === v) values.add(v);
  }
  return { markers: new Set(list), markerValues: values.size > 0 ? values : undefined };
}

/** Options that bound what one read may hold. */

function bound(column: ColumnSpec, which: "min" | "max"): number {
  const none = which === "min" ? -Infinity : Infinity;
  if (column.type === "number" || column.type === "integer") return column[which] ?? none;
  if (column.type === "date") {
    const text = column[which];
    if (text === undefined) return none;
    return parseIsoDate(text);
  }
  return none;
}

/** Column states for a spec; a `min`/`max` date the parser refuses becomes NaN (checked by the caller). */
export function columnStates(spec: DataSpec): ColumnState[] {
  return spec.columns.map((c) => {
    const codeOf = new Map<string, number>();
    const levels: string[] = [];
    const raw: string[] = [];
    let closed = false;
    if (c.type === "category" && c.values !== undefined) {
      closed = true;
      for (const v of c.values) {
        if (codeOf.has(v)) continue;
        codeOf.set(v, raw.length);
        raw.push(v);
        levels.push(c.labels?.[v] ?? v);
      }
    }
    return {
      spec: c,
      name: c.name,
      t: TYPE_CODE[c.type],
      nullable: c.nullable,
      min: bound(c, "min"),
      max: bound(c, "max"),
      codeOf,
      levels,
      raw,
      closed,
      reportAbsent: true,
      lastDateText: "",
      lastDateValue: NaN,
      missingRows: [],
      ...markersOf(spec, c, TYPE_CODE[c.type]),
    };
  });
}

/** Text of `buf[s, e)`; latin1 is exact and faster when every byte is ASCII. */
export function decode(buf: Buffer, s: number, e: number, ascii: boolean): string {
  return buf.toString(ascii ? "latin1" : "utf8", s, e);
}

/** A number cell's text read with its decimal `point` (46 "." or 44 ","); NaN when it is no plain number. */
export function numberWithPoint(text: string, point: number): number {
  if (point === 44) {
    if (text.includes(".")) return NaN;
    text = text.replace(",", ".");
  }
  return NUMBER_TEXT.test(text) ? Number(text) : NaN;
}

/** Adds a level to a category column that has not seen it (the spec's `labels` applied); returns its code. */
export function addLevel(col: ColumnState, value: string): number {
  const code = col.raw.length;
  col.codeOf.set(value, code);
  col.raw.push(value);
  const labels = col.spec.type === "category" ? col.spec.labels : undefined;
  col.levels.push(labels?.[value] ?? value);
  return code;
}
