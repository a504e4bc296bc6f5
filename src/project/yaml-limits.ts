/**
 * Resource limits of a YAML spec. A spec can come from a pull request, so a hostile one (a
 * "billion laughs" alias bomb, a list nested thousands deep, a mapping of a hundred thousand keys)
 * must be refused as invalid input naming the file and line, before anything spends time or
 * memory on it. Real specs sit far below every limit here.
 */
import { isAlias, isCollection, isMap, isPair, isScalar, type Document, type Node } from "yaml";

/** Most alias nodes (`*name`) a spec may hold; each may be expanded at most this often, too. */
export const MAX_YAML_ALIASES = 100;
/** Deepest nesting of mappings and lists. */
export const MAX_YAML_DEPTH = 32;
/** Most entries of one mapping or list. */
export const MAX_YAML_ITEMS = 20_000;
/** Most nodes (keys, values, list items) in the whole file. */
export const MAX_YAML_NODES = 100_000;

/** One limit a document goes over, located by a node's start offset. */
export interface YamlLimitProblem {
  offset: number;
  message: string;
  hint: string;
}

/**
 * Walks a parsed document without recursion and returns the first resource limit it breaks, or
 * undefined. Also finds duplicate keys (the YAML parser's own check is quadratic in the number of
 * keys, so it is switched off and done here with a set).
 */
export function checkYamlLimits(doc: Document): YamlLimitProblem | undefined {
  const root = doc.contents;
  if (!root) return undefined;
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 1 }];
  let nodes = 0;
  let aliases = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!node) continue;
    nodes++;
    if (nodes > MAX_YAML_NODES)
      return {
        offset: start(node),
        message: `the file holds more than ${MAX_YAML_NODES} values`,
        hint: "a spec names columns and settings; it does not hold data",
      };
    if (isAlias(node)) {
      aliases++;
      if (aliases > MAX_YAML_ALIASES)
        return {
          offset: start(node),
          message: `the file uses more than ${MAX_YAML_ALIASES} aliases (*name)`,
          hint: "write the values out instead of repeating anchors",
        };
      continue;
    }
    if (!isCollection(node)) continue;
    if (depth > MAX_YAML_DEPTH)
      return {
        offset: start(node),
        message: `mappings and lists nest more than ${MAX_YAML_DEPTH} levels deep here`,
        hint: "no spec key nests this deep; check the indentation and brackets",
      };
    if (node.items.length > MAX_YAML_ITEMS)
      return {
        offset: start(node),
        message: `this ${isMap(node) ? "mapping" : "list"} has ${node.items.length} entries; at most ${MAX_YAML_ITEMS} are allowed`,
        hint: "split the data out of the spec: a spec names columns and settings, not data",
      };
    const seen = isMap(node) ? new Set<string>() : undefined;
    for (const item of node.items) {
      if (isPair(item)) {
        if (seen && isScalar(item.key)) {
          const key = `${typeof item.key.value}:${String(item.key.value)}`;
          if (seen.has(key))
            return {
              offset: start(item.key),
              message: "YAML syntax error: Map keys must be unique",
              hint: "each key may appear once in a mapping; remove or rename one",
            };
          seen.add(key);
        }
        stack.push({ node: item.key, depth: depth + 1 });
        stack.push({ node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether an error thrown while a document is turned into values is the parser's alias guard. */
export function isAliasLimitError(e: unknown): boolean {
  return e instanceof ReferenceError && /alias/i.test(e.message);
}

/** The offset of the first alias node of a document (where an alias bomb starts expanding). */
export function firstAliasOffset(doc: Document): number {
  const stack: unknown[] = [doc.contents];
  let best = Number.POSITIVE_INFINITY;
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    if (isAlias(node)) best = Math.min(best, start(node));
    else if (isCollection(node))
      for (const item of node.items) {
        if (isPair(item)) stack.push(item.key, item.value);
        else stack.push(item);
      }
  }
  return Number.isFinite(best) ? best : 0;
}

function start(node: unknown): number {
  return (node as Node).range?.[0] ?? 0;
}
