/** `modelgate shard` and `modelgate merge` through the CLI, against `modelgate run`. */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { expectClose, shardProject } from "./shard-project.js";
import { runCli } from "../helpers/run-cli.js";
import type { TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const cli = (args: string[]) => runCli(project!.root, args);

describe("modelgate shard and merge", () => {
  it("write the report modelgate run writes, from three shards in two rounds", async () => {
    project = shardProject({ rows: 2000, parts: 5 });
    expect((await cli(["run", "--out", "single"])).code).toBe(0);
    for (let i = 1; i <= 3; i++) {
      // `modelgate run --shard I/N` is the same as `modelgate shard I/N`.
      const r = await cli(
        i === 2 ? ["run", "--shard", "2/3", "--out", "fit-2"] : ["shard", `${i}/3`, "--out", `fit-${i}`],
      );
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
    }
    const first = await cli(["merge", "fit-1", "fit-2", "fit-3", "--out", "plans"]);
    expect(first.code).toBe(0);
    expect(first.out).toContain("demand.plan.json");
    for (let i = 1; i <= 3; i++) {
      const args = ["--plan", "plans", "--out", `score-${i}`];
      expect(
        (await cli(i === 3 ? ["run", "--shard", "3/3", ...args] : ["shard", `${i}/3`, ...args])).code,
      ).toBe(0);
    }
    const last = await cli(["merge", "plans", "score-1", "score-2", "score-3", "--out", "merged"]);
    expect(last.err).toBe("");
    expect(last.code).toBe(0);
    const read = (dir: string) =>
      JSON.parse(readFileSync(project!.file(`${dir}/report.json`), "utf8")) as unknown;
    const single = read("single") as { models: { challenger: { modelSha256: string } }[] };
    const merged = read("merged") as typeof single;
    merged.models[0]!.challenger.modelSha256 = single.models[0]!.challenger.modelSha256;
    expectClose(merged, single, 1e-9);
    expect(readFileSync(project.file("merged/models/demand.json"), "utf8")).toContain('"trainingRows"');
  });

  it("refuses a merge that lacks a shard, naming it (exit 2)", async () => {
    project = shardProject({ rows: 600, parts: 3 });
    await cli(["shard", "1/3", "--out", "a"]);
    await cli(["shard", "3/3", "--out", "b"]);
    const r = await cli(["merge", "a", "b"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("lacks shard 2/3");
  });

  it("refuses a bad shard and median imputation with exit 2", async () => {
    project = shardProject({ rows: 300, parts: 0, model: "preprocessing: { impute: { numeric: median } }" });
    const bad = await cli(["shard", "4/3"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("not a shard");
    const median = await cli(["shard", "1/2"]);
    expect(median.code).toBe(2);
    expect(median.err).toContain("median");
  });
});
