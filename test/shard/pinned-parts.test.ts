/**
 * Pinned part files in a sharded run: each shard checks the pin before it reads its parts, and
 * the merged report records the pin as `modelgate run` does.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { shardProject } from "./shard-project.js";
import { pythonDirMd5, sumOfSha256sums } from "../helpers/pin-hashes.js";
import { runCli } from "../helpers/run-cli.js";
import type { TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const cli = (args: string[]) => runCli(project!.root, args);

function pinByDvc(): string {
  const pinned = pythonDirMd5(project!.file("data/parts"));
  project!.write("data/parts.dvc", `outs:\n- md5: ${pinned}.dir\n  nfiles: 3\n  hash: md5\n  path: parts\n`);
  const spec = readFileSync(project!.file("data/demand.yml"), "utf8");
  project!.write("data/demand.yml", spec.replace("file: parts/*.csv", "file: parts/*.csv\ndvc: parts.dvc"));
  return pinned;
}

async function shardedRun(): Promise<void> {
  for (const i of [1, 2]) expect((await cli(["shard", `${i}/2`, "--out", `fit-${i}`])).code).toBe(0);
  expect((await cli(["merge", "fit-1", "fit-2", "--out", "plans"])).code).toBe(0);
  for (const i of [1, 2])
    expect((await cli(["shard", `${i}/2`, "--plan", "plans", "--out", `score-${i}`])).code).toBe(0);
  const last = await cli(["merge", "plans", "score-1", "score-2", "--out", "merged"]);
  expect(last.err).toBe("");
  expect(last.code).toBe(0);
}

describe("pinned part files in a sharded run", () => {
  it("records the DVC folder pin in the merged report, as a single run does", async () => {
    project = shardProject({ rows: 600, parts: 3 });
    const pinned = pinByDvc();
    expect((await cli(["run", "--out", "single"])).code).toBe(0);
    await shardedRun();
    const pinOf = (dir: string) =>
      (
        JSON.parse(readFileSync(project!.file(`${dir}/report.json`), "utf8")) as {
          models: { data: { pin: unknown } }[];
        }
      ).models[0]!.data.pin;
    const record = {
      kind: "dvc-dir",
      dvcFile: "data/parts.dvc",
      md5: pinned,
      folder: "data/parts",
      files: 3,
      parts: 3,
    };
    expect(pinOf("single")).toEqual(record);
    expect(pinOf("merged")).toEqual(record);
  });

  it("stops a shard whose folder is not the pinned one, though its own parts are", async () => {
    project = shardProject({ rows: 600, parts: 3 });
    const pinned = pinByDvc();
    // Shard 1/2 reads parts 0 and 2, shard 2/2 part 1 only: part 2 changes under shard 2's feet.
    const part = project.file("data/parts/part-02.csv");
    project.write("data/parts/part-02.csv", readFileSync(part, "utf8").replace(/\n$/, "\n\n"));
    const r = await cli(["shard", "2/2", "--out", "fit-2"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`but data/parts.dvc pins ${pinned}.dir`);
  });

  it("checks a sha256 pin of the parts again at the merge", async () => {
    project = shardProject({ rows: 600, parts: 3 });
    const pin = sumOfSha256sums(project.file("data"), "parts/*.csv");
    const spec = readFileSync(project.file("data/demand.yml"), "utf8");
    project.write("data/demand.yml", spec.replace("file: parts/*.csv", `file: parts/*.csv\nsha256: ${pin}`));
    await shardedRun();
    const merged = JSON.parse(readFileSync(project.file("merged/report.json"), "utf8")) as {
      models: { data: { sha256: string; pin: unknown } }[];
    };
    expect(merged.models[0]!.data).toMatchObject({ sha256: pin, pin: { kind: "sha256-parts", parts: 3 } });
  });
});
