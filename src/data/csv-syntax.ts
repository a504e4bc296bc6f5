/**
 * A data spec's CSV dialect as the byte-level readers use it: characters as byte codes, defaults
 * filled in. The spec's keys are documented in src/project/csv-dialect.ts.
 */
import type { DataSpec } from "../project/schemas.js";

/** How the bytes of a CSV file are split into fields and numbers. */
export interface CsvSyntax {
  readonly delim: number;
  readonly quote: number;
  /** The byte that escapes the next one inside quotes; the quote itself when quotes are doubled. */
  readonly escape: number;
  /** Drop spaces and tabs around fields. */
  readonly trim: boolean;
  /** The decimal separator of numbers: `.` (46) or `,` (44). */
  readonly point: number;
  /** A record may end with one delimiter more. */
  readonly trailing: boolean;
  /** Lines starting with these bytes are comments. */
  readonly comment: Uint8Array | undefined;
  /** Lines to skip before the header. */
  readonly skipRows: number;
  /** The file is Latin-1: every byte is one character, and there is no byte order mark. */
  readonly latin1: boolean;
}

/** RFC 4180 with a comma: what a spec without dialect keys reads. */
export const DEFAULT_SYNTAX: CsvSyntax = {
  delim: 44,
  quote: 34,
  escape: 34,
  trim: false,
  point: 46,
  trailing: false,
  comment: undefined,
  skipRows: 0,
  latin1: false,
};

/** The syntax of a data spec's CSV file. */
export function csvSyntaxOf(spec: DataSpec): CsvSyntax {
  const quote = (spec.quote ?? '"').charCodeAt(0);
  return {
    delim: spec.delimiter.charCodeAt(0),
    quote,
    escape: spec.escape === undefined ? quote : spec.escape.charCodeAt(0),
    trim: spec.trim ?? spec.skipInitialSpace ?? false,
    point: spec.decimal === "," ? 44 : 46,
    trailing: spec.trailingDelimiter ?? false,
    comment: spec.comment === undefined ? undefined : Buffer.from(spec.comment, "latin1"),
    skipRows: spec.skipRows ?? 0,
    latin1: spec.encoding === "latin-1",
  };
}

/** The text of a quoted field whose flag says it holds escapes: `""`, or the escape and a byte. */
export function unescapeField(text: string, syntax: CsvSyntax): string {
  const quote = String.fromCharCode(syntax.quote);
  if (syntax.escape === syntax.quote) return text.replaceAll(quote + quote, quote);
  const escape = String.fromCharCode(syntax.escape);
  let out = "";
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c === escape && k + 1 < text.length) out += text[++k];
    else if (c === quote && text[k + 1] === quote) out += text[++k];
    else out += c;
  }
  return out;
}
