/**
 * The house stays as drawn (ARCHITECTURE.md): every import goes from a room to one it may import,
 * the engine never imports an adapter or a GitHub package, adapters never import each other,
 * no file imports itself through others, and no source file is over 500 lines. Each rule is
 * first checked on a small fixture graph with a wrong import added on purpose, so a rule that
 * could never fail would show here.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  githubImports,
  importCircles,
  listSources,
  longFiles,
  readImports,
  roomOf,
  roomsOfPage,
  ROOMS,
  SOURCE_DIRS,
  violations,
  type ImportGraph,
} from "./import-graph.js";

const root = path.resolve(import.meta.dirname, "../..");
const MAX_LINES = 500;

const graphOf = (edges: Record<string, string[]>): ImportGraph =>
  new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

const arrows = (graph: ImportGraph) => violations(graph, ROOMS).map((v) => `${v.fromRoom} -> ${v.toRoom}`);

describe("the rules on a fixture graph", () => {
  const allowed = {
    "src/errors.ts": [],
    "src/project/schemas.ts": ["src/errors.ts"],
    "src/data/row-batch.ts": ["src/project/schemas.ts"],
    "src/model/fitted-model.ts": ["src/data/row-batch.ts"],
    "src/evaluate/score-test-rows.ts": ["src/model/fitted-model.ts"],
    "src/run/evaluate-model.ts": ["src/evaluate/score-test-rows.ts"],
    "cli/commands/predict.ts": ["src/model/fitted-model.ts"],
  };

  it("accepts imports that point down", () => {
    expect(violations(graphOf(allowed), ROOMS)).toEqual([]);
    expect(importCircles(graphOf(allowed))).toEqual([]);
  });

  it("refuses an upward import: evaluation importing training", () => {
    const upward = graphOf({
      ...allowed,
      "src/train/fit-linear.ts": [],
      "src/evaluate/metrics.ts": ["src/train/fit-linear.ts"],
    });
    expect(violations(upward, ROOMS)).toEqual([
      {
        from: "src/evaluate/metrics.ts",
        to: "src/train/fit-linear.ts",
        fromRoom: "evaluate",
        toRoom: "train",
      },
    ]);
  });

  it("refuses monitoring importing the run, and the model importing evaluation", () => {
    const upward = graphOf({
      ...allowed,
      "src/monitor/monitor-model.ts": ["src/run/evaluate-model.ts"],
      "src/model/load-model.ts": ["src/evaluate/score-test-rows.ts"],
    });
    expect(arrows(upward)).toEqual(["monitor -> run", "model -> evaluate"]);
  });

  it("refuses the engine importing an adapter, and one adapter another", () => {
    const graph = graphOf({
      ...allowed,
      "app/github-client.ts": [],
      "src/run/report-files.ts": ["app/github-client.ts"],
      "action/main.ts": ["cli/commands/predict.ts"],
      "serve/http-server.ts": ["app/github-client.ts"],
    });
    expect(arrows(graph)).toEqual(["run -> app", "action -> cli", "serve -> app"]);
  });

  it("refuses imports from a folder of the engine that the rooms do not draw", () => {
    expect(arrows(graphOf({ ...allowed, "src/newroom/thing.ts": ["src/errors.ts"] }))).toEqual([
      "src-other -> base",
    ]);
  });

  it("finds a circle, however long, and prints it as a path", () => {
    const graph = graphOf({ ...allowed, "src/project/schemas.ts": ["src/model/fitted-model.ts"] });
    expect(importCircles(graph)).toEqual([
      [
        "src/data/row-batch.ts",
        "src/project/schemas.ts",
        "src/model/fitted-model.ts",
        "src/data/row-batch.ts",
      ],
    ]);
    expect(importCircles(graphOf({ "src/a.ts": ["src/a.ts"] }))).toEqual([["src/a.ts", "src/a.ts"]]);
  });

  it("puts a file in the first room that holds it", () => {
    expect(roomOf(ROOMS, "src/errors.ts")?.name).toBe("base");
    expect(roomOf(ROOMS, "src/train/least-squares/qr-accumulator.ts")?.name).toBe("train-core");
    expect(roomOf(ROOMS, "src/train/fit-linear.ts")?.name).toBe("train");
    expect(roomOf(ROOMS, "src/shard/design-state.ts")?.name).toBe("shard-core");
    expect(roomOf(ROOMS, "src/shard/shard-run.ts")?.name).toBe("shard");
    expect(roomOf(ROOMS, "src/serve/model-table.ts")?.name).toBe("serving");
    expect(roomOf(ROOMS, "serve/http-server.ts")?.name).toBe("serve");
  });

  it("finds a GitHub package imported by the engine, not by an adapter", () => {
    const packages = new Map([
      ["src/run/report-files.ts", new Set(["@actions/core", "yaml"])],
      ["src/report/render-markdown.ts", new Set(["markdown-table"])],
      ["app/github-client.ts", new Set(["probot", "@octokit/rest"])],
      ["src/compare/gate.ts", new Set(["octokit"])],
    ]);
    expect(githubImports(packages)).toEqual([
      "src/compare/gate.ts: octokit",
      "src/run/report-files.ts: @actions/core",
    ]);
  });

  it("reads the rooms table of a page", () => {
    const page = [
      "intro",
      "<!-- rooms:start -->",
      "| room | holds | may import |",
      "| --- | --- | --- |",
      "| `base` | `src/*.ts` | — |",
      "| `data` | `src/data/` | `base, project` |",
      "<!-- rooms:end -->",
    ].join("\n");
    expect(roomsOfPage(page)).toEqual([
      { name: "base", holds: ["src/*.ts"], mayImport: [] },
      { name: "data", holds: ["src/data/"], mayImport: ["base", "project"] },
    ]);
  });
});

describe("the sources", () => {
  const { graph, packages } = readImports(root, SOURCE_DIRS);

  it("are read: every room has its files and their imports", () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(graph.get("src/evaluate/score-test-rows.ts")).toContain("src/model/fitted-model.ts");
    for (const room of ROOMS.filter((r) => r.name !== "src-other"))
      expect(
        [...graph.keys()].some((f) => roomOf(ROOMS, f) === room),
        room.name,
      ).toBe(true);
  });

  it("import only in the directions ARCHITECTURE.md allows", () => {
    const wrong = violations(graph, ROOMS).map((v) => `${v.from} -> ${v.to} (${v.fromRoom} -> ${v.toRoom})`);
    expect(wrong).toEqual([]);
  });

  it("have no circles of imports", () => {
    expect(importCircles(graph).map((circle) => circle.join(" -> "))).toEqual([]);
  });

  it("keep GitHub packages out of the engine", () => {
    expect(githubImports(packages)).toEqual([]);
  });

  it("keep evaluation from importing training, and monitoring from importing the run", () => {
    const edges = [...graph].flatMap(([from, to]) => [...to].map((t) => `${from} -> ${t}`));
    expect(edges.filter((e) => /^src\/evaluate\/.* -> src\/train\//.test(e))).toEqual([]);
    expect(edges.filter((e) => /^src\/monitor\/.* -> src\/run\//.test(e))).toEqual([]);
  });

  it("are drawn in ARCHITECTURE.md as the rules enforce them", () => {
    const page = readFileSync(path.join(root, "ARCHITECTURE.md"), "utf8");
    expect(roomsOfPage(page)).toEqual(
      ROOMS.map(({ name, holds, mayImport }) => ({ name, holds, mayImport })),
    );
  });

  it(`have at most ${MAX_LINES} lines each`, () => {
    const files = listSources(root, [...SOURCE_DIRS, "scripts", "test"]);
    expect(longFiles(root, files, MAX_LINES)).toEqual([]);
    expect(longFiles(root, ["src/data/read-dataset.ts"], 10)).toHaveLength(1);
  });
});
