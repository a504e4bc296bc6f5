/**
 * Reads one YAML spec file and validates it against its zod schema, keeping the position of
 * every value so each problem names file, line and column.
 */
import { readFileSync } from "node:fs";
import { LineCounter, isMap, isPair, isScalar, parseDocument, type Document, type Node } from "yaml";
import type { z } from "zod";
import { type Problem } from "../errors.js";
import { closest, suggest } from "./did-you-mean.js";
import {
  MAX_YAML_ALIASES,
  MAX_YAML_DEPTH,
  checkYamlLimits,
  firstAliasOffset,
  isAliasLimitError,
} from "./yaml-limits.js";

/** Where in the file a value sits: `(path) => {line, column}`. */
export type Locator = (
  path: readonly PropertyKey[],
  which?: "key" | "value",
) => { line: number; column: number };

export interface ParsedSpec<T> {
  value: T;
  /** The raw data as written (before defaults), for checks that need to know what the user wrote. */
  raw: unknown;
  locate: Locator;
}

/** Largest spec file we read: specs are small; a huge one is a mistake (or an attack from a PR). */
export const MAX_SPEC_BYTES = 1024 * 1024;

/**
 * Parses `file` as YAML and validates it with `schema`. Problems (syntax, types, unknown keys
 * with a did-you-mean) are appended to `problems`; the parsed value is returned only when there
 * were none.
 */
export function readYamlSpec<S extends z.ZodType>(
  file: string,
  displayName: string,
  schema: S,
  problems: Problem[],
): ParsedSpec<z.output<S>> | undefined {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_SPEC_BYTES) {
      problems.push({
        file: displayName,
        message: `the file is ${buf.length} bytes; spec files may be at most ${MAX_SPEC_BYTES} bytes`,
        hint: "a spec names data files; it does not hold the data",
      });
      return undefined;
    }
    text = buf.toString("utf8");
  } catch (e) {
    problems.push({
      file: displayName,
      message: describeReadError(e),
      hint: "check the path and that the file exists",
    });
    return undefined;
  }
  return parseYamlSpec(text, displayName, schema, problems);
}

/** As {@link readYamlSpec}, from text already read. */
export function parseYamlSpec<S extends z.ZodType>(
  text: string,
  displayName: string,
  schema: S,
  problems: Problem[],
): ParsedSpec<z.output<S>> | undefined {
  const lineCounter = new LineCounter();
  const at = (offset: number) => lineCounter.linePos(offset);
  const tooDeep = (line: number, column: number): Problem => ({
    file: displayName,
    line,
    column,
    message: `mappings and lists nest more than ${MAX_YAML_DEPTH} levels deep`,
    hint: "no spec key nests this deep; check the indentation and brackets",
  });
  let doc: Document;
  try {
    // Duplicate keys are found by checkYamlLimits: the parser's own check is quadratic in keys.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    problems.push(tooDeep(1, 1));
    return undefined;
  }

  if (doc.errors.length > 0) {
    for (const err of doc.errors.slice(0, 10)) {
      const { line, col } = at(err.pos[0]);
      if (/call stack/i.test(err.message)) {
        problems.push(tooDeep(line, col));
        break;
      }
      problems.push({
        file: displayName,
        line,
        column: col,
        message: `YAML syntax error: ${firstLine(err.message)}`,
        hint: yamlHint(err.code),
      });
    }
    return undefined;
  }
  const limit = checkYamlLimits(doc);
  if (limit) {
    const { line, col } = at(limit.offset);
    problems.push({ file: displayName, line, column: col, message: limit.message, hint: limit.hint });
    return undefined;
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (!isAliasLimitError(e)) throw e;
    const { line, col } = at(firstAliasOffset(doc));
    problems.push({
      file: displayName,
      line,
      column: col,
      message: /excessive/i.test((e as Error).message)
        ? `aliases (*name) here expand to more than ${MAX_YAML_ALIASES} copies of their anchors' values (an "alias bomb")`
        : `YAML error: ${firstLine((e as Error).message)}`,
      hint: /excessive/i.test((e as Error).message)
        ? "write the values out instead of nesting anchors and aliases"
        : "define an anchor (&name) before any alias (*name) that refers to it",
    });
    return undefined;
  }
  const locate = makeLocator(doc, at);
  if (raw === null || raw === undefined) {
    problems.push({
      file: displayName,
      line: 1,
      column: 1,
      message: "the file is empty",
      hint: "see the README for the keys this file takes, or the JSON Schema named in the examples",
    });
    return undefined;
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({
      file: displayName,
      line: 1,
      column: 1,
      message: `expected a mapping of keys to values at the top level, found ${describeValue(raw)}`,
      hint: "write `key: value` lines; see the README",
    });
    return undefined;
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues;
    for (const issue of issues) {
      if (isExplainedByTypo(issue, issues, raw)) continue;
      problems.push(issueToProblem(issue, raw, schema, displayName, locate));
    }
    return undefined;
  }
  return { value: result.data as z.output<S>, raw, locate };
}

/** A missing required key next to an unknown key that is its misspelling: report only the typo. */
function isExplainedByTypo(issue: z.core.$ZodIssue, all: z.core.$ZodIssue[], raw: unknown): boolean {
  if (issue.code !== "invalid_type" || valueAt(raw, issue.path) !== undefined) return false;
  const parent = issue.path.slice(0, -1).map(String).join(".");
  const missing = String(issue.path[issue.path.length - 1]);
  return all.some(
    (o) =>
      o.code === "unrecognized_keys" &&
      o.path.map(String).join(".") === parent &&
      o.keys.some((k) => closest(k, [missing]) === missing),
  );
}

function makeLocator(doc: Document, at: (offset: number) => { line: number; col: number }): Locator {
  return (path, which = "value") => {
    // Walk down as far as the path exists, so a missing key points at its parent.
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (node && typeof node === "object" && "items" in node && Array.isArray(node.items)) {
        const next = (node.items as unknown[])[Number(segment)];
        if (next === undefined) break;
        keyNode = undefined;
        node = next;
      } else break;
    }
    const target = (which === "key" && keyNode ? keyNode : node) as Node | undefined;
    const offset = target?.range?.[0] ?? 0;
    const { line, col } = at(offset);
    return { line, column: col };
  };
}

function issueToProblem(
  issue: z.core.$ZodIssue,
  raw: unknown,
  schema: z.ZodType,
  file: string,
  locate: Locator,
): Problem {
  const where = issue.path.map(String).join(".") || "(top level)";
  if (issue.code === "unrecognized_keys") {
    const known = knownKeys(schema, raw, issue.path);
    const key = issue.keys[0]!;
    const pos = locate([...issue.path, key], "key");
    const more =
      issue.keys.length > 1
        ? ` (and ${issue.keys
            .slice(1)
            .map((k) => `"${k}"`)
            .join(", ")})`
        : "";
    return {
      file,
      ...pos,
      message: `unknown key "${key}"${more}${issue.path.length ? ` in ${where}` : ""}`,
      hint: suggest(key, known, "keys"),
    };
  }
  const pos = locate(issue.path);
  const value = valueAt(raw, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined)
        return {
          file,
          ...pos,
          message: `"${where}" is required`,
          hint: `add \`${lastKey(issue.path)}:\` here`,
        };
      return {
        file,
        ...pos,
        message: `"${where}" should be ${article(issue.expected)}, found ${describeValue(value)}`,
      };
    case "invalid_value":
      return {
        file,
        ...pos,
        message: `"${where}" is ${describeValue(value)}; expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`,
        hint: typeof value === "string" ? suggest(value, issue.values.map(String), "values") : undefined,
      };
    case "invalid_union": {
      // A discriminated union with an unknown tag, e.g. `type: nubmer`: zod puts the tag in the path.
      const options = (issue as { options?: unknown[] }).options;
      if (options && options.length > 0) {
        const allowed = options.map(String);
        return {
          file,
          ...pos,
          message: `"${where}" is ${describeValue(value)}; expected one of ${allowed.map((o) => `"${o}"`).join(", ")}`,
          hint: typeof value === "string" ? suggest(value, allowed, "values") : undefined,
        };
      }
      // A value of one form's shape (a mapping where a name or a mapping may be): that form's
      // problem, with its did-you-mean, rather than the other form's type mismatch.
      const shaped = issue.errors.find(
        (errors) =>
          errors.length > 0 && !errors.every((e) => e.code === "invalid_type" && e.path.length === 0),
      );
      if (shaped)
        return issueToProblem(
          { ...shaped[0]!, path: [...issue.path, ...shaped[0]!.path] } as z.core.$ZodIssue,
          raw,
          schema,
          file,
          locate,
        );
      return {
        file,
        ...pos,
        message: `"${where}" does not match any allowed form: ${firstUnionMessage(issue)}`,
      };
    }
    case "invalid_key": {
      const key = String(issue.path[issue.path.length - 1]);
      return {
        file,
        ...locate(issue.path, "key"),
        message: `"${where}": ${issue.issues[0]?.message ?? issue.message}`,
        hint: `rename "${key}"`,
      };
    }
    case "too_big":
      if (Array.isArray(value))
        return {
          file,
          ...pos,
          message: `"${where}" has ${value.length} entries; at most ${String(issue.maximum)} are allowed`,
          hint: "a spec this large is a mistake (or hostile); describe fewer",
        };
      return { file, ...pos, message: `"${where}": ${issue.message}` };
    default:
      return { file, ...pos, message: `"${where}": ${issue.message}` };
  }
}

// --- small helpers over zod's internals, to list the keys and tags a path allows --------------

interface ZodDefLike {
  type: string;
  shape?: Record<string, ZodLike>;
  innerType?: ZodLike;
  element?: ZodLike;
  options?: ZodLike[];
  valueType?: ZodLike;
  in?: ZodLike;
  discriminator?: string;
}
interface ZodLike {
  _zod: { def: ZodDefLike };
}

function unwrap(s: ZodLike): ZodLike {
  let cur = s;
  for (;;) {
    const d = cur._zod.def;
    if ((d.type === "optional" || d.type === "default" || d.type === "nullable") && d.innerType)
      cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else return cur;
  }
}

/** The object schemas a value at `path` could be validated by (several for unions). */
function schemasAt(schema: ZodLike, raw: unknown, path: readonly PropertyKey[]): ZodLike[] {
  let current: ZodLike[] = [schema];
  let value: unknown = raw;
  for (const seg of path) {
    const next: ZodLike[] = [];
    for (const s of current.flatMap((c) => expandUnion(unwrap(c), value))) {
      const d = s._zod.def;
      if (d.type === "object" && d.shape && typeof seg === "string" && d.shape[seg]) next.push(d.shape[seg]);
      else if (d.type === "array" && d.element) next.push(d.element);
      else if (d.type === "record" && d.valueType) next.push(d.valueType);
    }
    current = next;
    value = value && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[seg] : undefined;
  }
  return current.flatMap((c) => expandUnion(unwrap(c), value));
}

function expandUnion(s: ZodLike, value: unknown): ZodLike[] {
  const d = s._zod.def;
  if (d.type !== "union" || !d.options) return [s];
  const options = d.options.map(unwrap);
  if (d.discriminator && value && typeof value === "object") {
    const tag = (value as Record<string, unknown>)[d.discriminator];
    const match = options.filter((o) => discriminatorValue(o, d.discriminator!) === tag);
    if (match.length > 0) return match;
  }
  const objects = options.filter((o) => o._zod.def.type === "object");
  return objects.length > 0 && value && typeof value === "object" ? objects : options;
}

function discriminatorValue(s: ZodLike, key: string): unknown {
  const field = s._zod.def.shape?.[key];
  const def = field ? (unwrap(field)._zod.def as ZodDefLike & { values?: unknown[] }) : undefined;
  return def?.values?.[0];
}

function knownKeys(schema: z.ZodType, raw: unknown, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schema as unknown as ZodLike, raw, path)) {
    const d = s._zod.def;
    if (d.type === "object" && d.shape)
      for (const k of Object.keys(d.shape)) if (k !== "$schema") keys.add(k);
  }
  return [...keys];
}

function firstUnionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const first = issue.errors[0]?.[0];
  return first ? `${first.path.join(".") || "value"}: ${first.message}` : issue.message;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const seg of path)
    v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[seg] : undefined;
  return v;
}

function lastKey(path: readonly PropertyKey[]): string {
  return String(path[path.length - 1] ?? "");
}

function article(expected: string): string {
  const words: Record<string, string> = {
    object: "a mapping (key: value lines)",
    array: "a list",
    record: "a mapping",
    string: "a string",
    number: "a number",
    boolean: "true or false",
    int: "a whole number",
  };
  return words[expected] ?? expected;
}

/** A short, safe description of a value a user wrote. */
export function describeValue(v: unknown): string {
  if (v === null) return "null (an empty value)";
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  const text = JSON.stringify(v);
  return `${typeof v === "string" ? "the string" : typeof v} ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
}

function firstLine(s: string): string {
  return s.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case "DUPLICATE_KEY":
      return "each key may appear once in a mapping; remove or rename one";
    case "BAD_INDENT":
    case "MISSING_CHAR":
      return "check the indentation: nested keys are indented by the same number of spaces";
    case "TAB_AS_INDENT":
      return "YAML indents with spaces, not tabs";
    default:
      return "check quoting and indentation near this position";
  }
}

function describeReadError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === "ENOENT") return "the file does not exist";
  if (code === "EISDIR") return "this is a folder, not a file";
  if (code === "EACCES") return "the file cannot be read (permission denied)";
  return `the file cannot be read: ${(e as Error).message}`;
}
