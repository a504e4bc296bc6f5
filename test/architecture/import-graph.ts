/**
 * The import graph of the TypeScript sources and the rules it must keep (ARCHITECTURE.md): which
 * room may import which, and no circles. Built with the TypeScript compiler's own pre-processor,
 * so static, type-only and dynamic imports all count.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** File (POSIX path relative to the root) -> the files it imports, also relative. */
export type ImportGraph = Map<string, Set<string>>;

const SOURCE = /\.(ts|mts)$/;

function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(rel);
  }
  return out;
}

/** The graph of the sources under `dirs` (relative imports only; packages are not nodes). */
export function buildImportGraph(root: string, dirs: readonly string[]): ImportGraph {
  const files = dirs.flatMap((d) => sourceFiles(root, d));
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
      const candidates = [joined.replace(/\.js$/, ".ts"), joined.replace(/\.mjs$/, ".mts"), `${joined}.ts`];
      const hit = candidates.find((c) => known.has(c));
      if (hit) targets.add(hit);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** A room: the files whose path matches, and the rooms it may import besides itself. */
export interface Room {
  name: string;
  match: (file: string) => boolean;
  mayImport: readonly string[];
}

/** An import the rules do not allow. */
export interface Violation {
  from: string;
  to: string;
  fromRoom: string;
  toRoom: string;
}

/** The room of a file: the first that matches, in order. */
export function roomOf(rooms: readonly Room[], file: string): Room | undefined {
  return rooms.find((r) => r.match(file));
}

/** Every import from one room into another that the first may not import. */
export function violations(graph: ImportGraph, rooms: readonly Room[]): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of graph) {
    const a = roomOf(rooms, from);
    if (!a) continue;
    for (const to of targets) {
      const b = roomOf(rooms, to);
      if (!b || a.name === b.name || a.mayImport.includes(b.name)) continue;
      out.push({ from, to, fromRoom: a.name, toRoom: b.name });
    }
  }
  return out;
}

/** The circles of imports: strongly connected parts of more than one file (Tarjan), sorted. */
export function importCircles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        part.push(w);
      } while (w !== v);
      if (part.length > 1 || graph.get(v)?.has(v)) circles.push(part.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return circles.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

const under = (dir: string) => (file: string) => file.startsWith(`${dir}/`);
const ENGINE_ROOT = "src-root";

/**
 * The rooms of modelgate, lowest first, and the arrows allowed (ARCHITECTURE.md). A room may
 * import itself and the rooms it lists; nothing else.
 */
export const ROOMS: readonly Room[] = [
  { name: ENGINE_ROOT, match: (f) => /^src\/[^/]+$/.test(f), mayImport: [] },
  { name: "project", match: under("src/project"), mayImport: [ENGINE_ROOT] },
  { name: "data", match: under("src/data"), mayImport: [ENGINE_ROOT, "project"] },
  { name: "registry", match: under("src/registry"), mayImport: [ENGINE_ROOT, "project"] },
  { name: "model", match: under("src/model"), mayImport: [ENGINE_ROOT, "project", "data", "registry"] },
  {
    name: "evaluate",
    match: under("src/evaluate"),
    mayImport: [ENGINE_ROOT, "project", "data", "model"],
  },
  {
    // Training's building blocks: the solvers, the pipeline's learning, the search space.
    name: "train-core",
    match: (f) =>
      f.startsWith("src/train/least-squares/") ||
      f === "src/train/feature-pipeline.ts" ||
      f === "src/train/search-space.ts",
    mayImport: [ENGINE_ROOT, "project", "data", "model"],
  },
  {
    // The sharded path's data and design math, which single runs and the linear fit use too.
    name: "shard-core",
    match: (f) => f === "src/shard/shard-data.ts" || f === "src/shard/shard-design.ts",
    mayImport: [ENGINE_ROOT, "project", "data", "model", "train-core"],
  },
  {
    name: "train",
    match: under("src/train"),
    mayImport: [ENGINE_ROOT, "project", "data", "model", "evaluate", "train-core", "shard-core"],
  },
  { name: "compare", match: under("src/compare"), mayImport: [ENGINE_ROOT, "project", "evaluate"] },
  {
    name: "report",
    match: under("src/report"),
    mayImport: [ENGINE_ROOT, "project", "registry", "model", "evaluate", "compare"],
  },
  {
    name: "monitor",
    match: under("src/monitor"),
    mayImport: [ENGINE_ROOT, "project", "data", "registry", "model", "evaluate", "compare", "report"],
  },
  {
    name: "run",
    match: under("src/run"),
    mayImport: [
      ENGINE_ROOT,
      "project",
      "data",
      "registry",
      "model",
      "evaluate",
      "train-core",
      "shard-core",
      "train",
      "compare",
      "report",
    ],
  },
  {
    name: "shard",
    match: under("src/shard"),
    mayImport: [
      ENGINE_ROOT,
      "project",
      "data",
      "registry",
      "model",
      "evaluate",
      "train-core",
      "shard-core",
      "train",
      "compare",
      "report",
      "run",
    ],
  },
  {
    name: "serving",
    match: under("src/serve"),
    mayImport: [ENGINE_ROOT, "project", "data", "registry", "model"],
  },
  // Engine rooms not named above (a new one) may import nothing until it is drawn here.
  { name: "src-other", match: under("src"), mayImport: [] },
  ...["action", "app", "cli", "serve"].map((name) => ({
    name,
    match: under(name),
    // An adapter sees the whole engine and no other adapter.
    mayImport: [
      ENGINE_ROOT,
      "project",
      "data",
      "registry",
      "model",
      "evaluate",
      "train-core",
      "shard-core",
      "train",
      "compare",
      "report",
      "monitor",
      "run",
      "shard",
    ],
  })),
];
