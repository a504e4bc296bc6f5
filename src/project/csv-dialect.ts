/**
 * The CSV dialect of a data spec: how its file spells fields, missing values, numbers and text.
 * The keys are optional and have no zod defaults, so a spec without them parses (and hashes)
 * exactly as before; {@link csvDialectProblems} checks combinations that cannot work.
 */
import { z } from "zod";

/** The text encodings a CSV file may be in. */
export const CSV_ENCODINGS = ["utf-8", "utf-8-sig", "latin-1"] as const;

/** Most missing-value markers a spec (or a column) may list, and their longest length. */
const MAX_MARKERS = 64;
const MAX_MARKER_LENGTH = 64;

/** `missing:` of the file or of one column. */
export const missingMarkersSchema = z
  .array(z.string().max(MAX_MARKER_LENGTH))
  .max(MAX_MARKERS)
  .describe(
    'Texts that stand for a missing value, e.g. ["?", "NA"]; compared with the cell as written (after `trim`; number, integer, boolean and date cells without their spaces). An empty cell is always missing.',
  );

/** The dialect keys of a data spec (spread into its zod object). */
export const csvDialectFields = {
  trim: z
    .boolean()
    .optional()
    .describe(
      "CSV only: drop spaces and tabs around every field (before a quote, after a closing quote, around unquoted text). Default false.",
    ),
  skipInitialSpace: z
    .boolean()
    .optional()
    .describe("CSV only: the same as `trim` (the name Python's csv module uses)."),
  missing: missingMarkersSchema
    .optional()
    .describe(
      'Texts that stand for a missing value in every column, e.g. ["?", "NA"] (a column\'s own `missing` replaces this list for it). An empty cell is always missing.',
    ),
  quote: z.string().length(1).optional().describe('CSV only: the quote character. Default `"`.'),
  escape: z
    .string()
    .length(1)
    .optional()
    .describe(
      'CSV only: the character that escapes a quote inside a quoted field, e.g. "\\\\" for `\\"`. Default: the quote itself (a quote is written twice).',
    ),
  comment: z
    .string()
    .min(1)
    .max(16)
    .optional()
    .describe("CSV only: lines that start with this text are comments and skipped, e.g. `#`."),
  skipRows: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .optional()
    .describe("CSV only: lines to skip at the top of the file, before the header. Default 0."),
  decimal: z
    .enum([".", ","])
    .optional()
    .describe('CSV only: the decimal separator of numbers, "." or ",". Default ".".'),
  encoding: z
    .enum(CSV_ENCODINGS)
    .optional()
    .describe(
      "CSV only: utf-8 (a byte order mark is skipped), utf-8-sig (the same; the mark is expected) or latin-1 (ISO 8859-1). Default utf-8.",
    ),
  trailingDelimiter: z
    .boolean()
    .optional()
    .describe(
      "CSV only: records (and the header) may end with one delimiter more, which is ignored. Default false.",
    ),
};

/** The dialect keys as the data layer reads them. */
export interface CsvDialectSpec {
  delimiter: string;
  trim?: boolean | undefined;
  skipInitialSpace?: boolean | undefined;
  missing?: string[] | undefined;
  quote?: string | undefined;
  escape?: string | undefined;
  comment?: string | undefined;
  skipRows?: number | undefined;
  decimal?: "." | "," | undefined;
  encoding?: (typeof CSV_ENCODINGS)[number] | undefined;
  trailingDelimiter?: boolean | undefined;
}

/** A problem with the dialect: the spec key it is about, what is wrong and how to fix it. */
export interface DialectProblem {
  path: (string | number)[];
  message: string;
  hint: string;
}

const LINE_BREAK = /[\r\n]/;

/**
 * Combinations of dialect keys that cannot be read: a decimal comma with a comma delimiter, a
 * quote that is the delimiter, `trim` and `skipInitialSpace` that disagree, and so on.
 */
export function csvDialectProblems(spec: CsvDialectSpec): DialectProblem[] {
  const out: DialectProblem[] = [];
  const delim = spec.delimiter;
  const quote = spec.quote ?? '"';
  if (spec.decimal === "," && delim === ",")
    out.push({
      path: ["decimal"],
      message: 'a decimal comma cannot be read with the delimiter ","',
      hint: 'files with a decimal comma separate fields with ";": set `delimiter: ";"`',
    });
  if (spec.trim !== undefined && spec.skipInitialSpace !== undefined && spec.trim !== spec.skipInitialSpace)
    out.push({
      path: ["skipInitialSpace"],
      message: "`trim` and `skipInitialSpace` say different things",
      hint: "they are the same setting: keep one of them",
    });
  const ascii = (key: "quote" | "escape", value: string | undefined) => {
    if (value === undefined) return;
    const code = value.charCodeAt(0);
    if (code > 127 || LINE_BREAK.test(value))
      out.push({
        path: [key],
        message: `the ${key} character ${JSON.stringify(value)} cannot be used`,
        hint: "use one ASCII character other than a line break",
      });
  };
  ascii("quote", spec.quote);
  ascii("escape", spec.escape);
  // The default quote as the delimiter is the delimiter's own error (checked with the delimiter).
  if (spec.quote !== undefined && quote === delim)
    out.push({
      path: ["quote"],
      message: `the quote character ${JSON.stringify(quote)} is also the delimiter`,
      hint: "give the quote and the delimiter different characters",
    });
  if (spec.escape !== undefined && spec.escape === delim)
    out.push({
      path: ["escape"],
      message: `the escape character ${JSON.stringify(spec.escape)} is also the delimiter`,
      hint: "give the escape and the delimiter different characters",
    });
  if ((spec.trim === true || spec.skipInitialSpace === true) && (delim === " " || delim === "\t"))
    out.push({
      path: [spec.trim === true ? "trim" : "skipInitialSpace"],
      message: `trimming spaces and tabs cannot work with the delimiter ${JSON.stringify(delim)}`,
      hint: "drop `trim`, or use another delimiter",
    });
  if (spec.decimal === "," && delim === ".")
    out.push({
      path: ["delimiter"],
      message: 'the delimiter "." cannot be read with a decimal comma',
      hint: 'use `delimiter: ";"`',
    });
  if (spec.comment !== undefined) {
    if (LINE_BREAK.test(spec.comment))
      out.push({
        path: ["comment"],
        message: "the comment prefix holds a line break",
        hint: "a comment prefix is text at the start of a line, e.g. `#`",
      });
    else if (spec.comment.startsWith(delim) || spec.comment.startsWith(quote))
      out.push({
        path: ["comment"],
        message: `the comment prefix ${JSON.stringify(spec.comment)} starts with the ${spec.comment.startsWith(delim) ? "delimiter" : "quote"}`,
        hint: "records could not be told from comments: choose another prefix, e.g. `#`",
      });
    else if ([...spec.comment].some((c) => c.charCodeAt(0) > 127))
      out.push({
        path: ["comment"],
        message: `the comment prefix ${JSON.stringify(spec.comment)} is not ASCII`,
        hint: "use ASCII characters, e.g. `#`",
      });
  }
  return out;
}
