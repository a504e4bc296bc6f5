/**
 * The import graph of the TypeScript sources and the rules it must keep (ARCHITECTURE.md): which
 * room may import which, and no circles. Built with the TypeScript compiler's own pre-processor,
 * so static, type-only and dynamic imports and re-exports all count.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

/** File (POSIX path relative to the root) -> the files it imports, also relative. */
export type ImportGraph = Map<string, Set<string>>;

/** The sources' imports: of each other (the graph), and of packages (by file). */
export interface SourceImports {
  graph: ImportGraph;
  /** File -> the packages it imports (`node:` built-ins left out), by package name. */
  packages: Map<string, Set<string>>;
}

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

/** Every TypeScript source under `dirs` (relative to `root`), sorted. */
export function listSources(root: string, dirs: readonly string[]): string[] {
  return dirs.flatMap((d) => sourceFiles(root, d)).sort();
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** The imports of the sources under `dirs`: relative ones as a graph, the rest by package. */
export function readImports(root: string, dirs: readonly string[]): SourceImports {
  const files = listSources(root, dirs);
  const known = new Set(files);
  const graph: ImportGraph = new Map();
  const packages = new Map<string, Set<string>>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(path.join(root, file), "utf8"), true, true);
    const targets = new Set<string>();
    const used = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) {
        if (!fileName.startsWith("node:")) used.add(packageName(fileName));
        continue;
      }
      const joined = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName));
      const candidates = [joined.replace(/\.js$/, ".ts"), joined.replace(/\.mjs$/, ".mts"), `${joined}.ts`];
      const hit = candidates.find((c) => known.has(c));
      if (hit) targets.add(hit);
    }
    graph.set(file, targets);
    packages.set(file, used);
  }
  return { graph, packages };
}

/**
 * A room: the files it holds (a folder ending in "/", a file, or "src/*.ts" for the files
 * directly in src/), and the rooms it may import besides itself.
 */
export interface Room {
  name: string;
  holds: readonly string[];
  mayImport: readonly string[];
}

/** An import the rules do not allow. */
export interface Violation {
  from: string;
  to: string;
  fromRoom: string;
  toRoom: string;
}

function holdsFile(pattern: string, file: string): boolean {
  if (pattern.endsWith("/*.ts")) {
    const dir = pattern.slice(0, -"*.ts".length);
    return file.startsWith(dir) && !file.slice(dir.length).includes("/");
  }
  return pattern.endsWith("/") ? file.startsWith(pattern) : file === pattern;
}

/** The room of a file: the first that holds it, in order (so list files before their folder). */
export function roomOf(rooms: readonly Room[], file: string): Room | undefined {
  return rooms.find((r) => r.holds.some((p) => holdsFile(p, file)));
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

/** The shortest path of imports from `start` back to itself, inside `part`. */
function shortestCycle(graph: ImportGraph, start: string, part: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!part.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/**
 * The circles of imports: for each strongly connected part (Tarjan) of more than one file, or a
 * file importing itself, the shortest circle through its first file, as a path that ends where
 * it starts (`a -> b -> a` is ["a", "b", "a"]). Sorted.
 */
export function importCircles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const parts: string[][] = [];
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
      if (part.length > 1 || graph.get(v)?.has(v)) parts.push(part.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return parts
    .map((part) => shortestCycle(graph, part[0]!, new Set(part)))
    .sort((a, b) => a[0]!.localeCompare(b[0]!));
}

const BASE = "base";
const ENGINE = [
  BASE,
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
  "serving",
  "monitor",
  "run",
  "shard",
] as const;

/**
 * What a run draws on: every room of the engine below it but serving, and monitoring beside it
 * (a run compares its data with the champion's training profile as the monitor does).
 */
const BELOW_RUN = ENGINE.filter((r) => !["serving", "run", "shard"].includes(r));

/**
 * The rooms of modelgate, lowest floor first, and the arrows allowed: a room may import itself
 * and the rooms it lists, nothing else. ARCHITECTURE.md draws the same table (a test compares).
 */
export const ROOMS: readonly Room[] = [
  { name: BASE, holds: ["src/*.ts"], mayImport: [] },
  { name: "project", holds: ["src/project/"], mayImport: [BASE] },
  { name: "data", holds: ["src/data/"], mayImport: [BASE, "project"] },
  { name: "registry", holds: ["src/registry/"], mayImport: [BASE, "project"] },
  { name: "model", holds: ["src/model/"], mayImport: [BASE, "project", "data", "registry"] },
  { name: "evaluate", holds: ["src/evaluate/"], mayImport: [BASE, "project", "data", "model"] },
  {
    name: "train-core",
    holds: ["src/train/least-squares/", "src/train/feature-pipeline.ts", "src/train/search-space.ts"],
    mayImport: [BASE, "project", "data", "model"],
  },
  {
    name: "shard-core",
    holds: [
      "src/shard/shard-data.ts",
      "src/shard/shard-design.ts",
      "src/shard/design-state.ts",
      "src/shard/finish-design.ts",
    ],
    mayImport: [BASE, "project", "data", "model", "train-core"],
  },
  {
    name: "train",
    holds: ["src/train/"],
    mayImport: [BASE, "project", "data", "model", "evaluate", "train-core", "shard-core"],
  },
  { name: "compare", holds: ["src/compare/"], mayImport: [BASE, "project", "evaluate"] },
  {
    name: "report",
    holds: ["src/report/"],
    mayImport: [BASE, "project", "registry", "model", "evaluate", "compare"],
  },
  { name: "serving", holds: ["src/serve/"], mayImport: [BASE, "project", "data", "registry", "model"] },
  {
    name: "monitor",
    holds: ["src/monitor/"],
    mayImport: [BASE, "project", "data", "registry", "model", "evaluate", "compare", "report"],
  },
  { name: "run", holds: ["src/run/"], mayImport: BELOW_RUN },
  { name: "shard", holds: ["src/shard/"], mayImport: [...BELOW_RUN, "run"] },
  // A new folder of the engine may import nothing until it is drawn here and in ARCHITECTURE.md.
  { name: "src-other", holds: ["src/"], mayImport: [] },
  // The adapters see the whole engine and no other adapter; `modelgate serve` (cli) starts the server.
  { name: "action", holds: ["action/"], mayImport: [...ENGINE] },
  { name: "app", holds: ["app/"], mayImport: [...ENGINE] },
  { name: "serve", holds: ["serve/"], mayImport: [...ENGINE] },
  { name: "cli", holds: ["cli/"], mayImport: [...ENGINE, "serve"] },
  // Benchmarks and the demo drive the adapters; nothing imports them.
  { name: "tools", holds: ["bench/", "demo/"], mayImport: [...ENGINE, "action", "app", "serve", "cli"] },
];

/** The folders whose sources the rules cover. */
export const SOURCE_DIRS: readonly string[] = ["src", "action", "app", "cli", "serve", "bench", "demo"];

/** Packages that talk to GitHub: the engine (src/) never imports them. */
export const GITHUB_PACKAGES: readonly RegExp[] = [/^@actions\//, /^@octokit\//, /^octokit$/, /^probot$/];

/** Each engine file that imports a GitHub package, as "file: package". */
export function githubImports(packages: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const out: string[] = [];
  for (const [file, used] of packages) {
    if (!file.startsWith("src/")) continue;
    for (const name of used) if (GITHUB_PACKAGES.some((p) => p.test(name))) out.push(`${file}: ${name}`);
  }
  return out.sort();
}

/**
 * The table of rooms ARCHITECTURE.md draws between `<!-- rooms:start -->` and
 * `<!-- rooms:end -->`: rows `| room | holds | may import |`, lists comma-separated in
 * backticks, "—" for none.
 */
export function roomsOfPage(markdown: string): Room[] {
  const start = markdown.indexOf("<!-- rooms:start -->");
  const end = markdown.indexOf("<!-- rooms:end -->");
  if (start < 0 || end < start)
    throw new Error("ARCHITECTURE.md has no rooms table (<!-- rooms:start --> ...)");
  const list = (cell: string): string[] =>
    [...cell.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.split(",").map((s) => s.trim()));
  return markdown
    .slice(start, end)
    .split("\n")
    .filter((line) => line.startsWith("|") && !/^\|\s*(room|-)/i.test(line))
    .map((line) => {
      const cells = line.split("|").slice(1, -1);
      return { name: list(cells[0]!)[0]!, holds: list(cells[1]!), mayImport: list(cells[2]!) };
    });
}

/** Sources longer than `max` lines, as "file: lines". */
export function longFiles(root: string, files: readonly string[], max: number): string[] {
  return files.flatMap((file) => {
    const lines = readFileSync(path.join(root, file), "utf8").split("\n").length - 1;
    return lines > max ? [`${file}: ${lines}`] : [];
  });
}
