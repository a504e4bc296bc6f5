/**
 * Both rounds of sharded training against a single run: the same report (metrics, bootstrap
 * intervals, differences with the champion, slices, explanations, gate), to rounding.
 */
import { afterEach, describe, expect, it } from "vitest";
import { loadProject, type LoadedModel } from "../../src/project/load-project.js";
import { evaluateModel } from "../../src/run/evaluate-model.js";
import type { Champion } from "../../src/model/load-model.js";
import { trainModel } from "../../src/run/train-model.js";
import { fitShard, mergeFits, type FitPartial, type ScorePlan } from "../../src/shard/shard-fit.js";
import { scoreShard, type ScorePartial } from "../../src/shard/shard-score.js";
import { mergeScores } from "../../src/shard/shard-report.js";
import { serialiseModel } from "../../src/model/model-file.js";
import { expectClose, shardProject } from "./shard-project.js";
import type { TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

async function sharded(m: LoadedModel, shards: number, champion: Champion | null, root: string) {
  const fits: { file: string; value: FitPartial }[] = [];
  for (let i = 1; i <= shards; i++)
    fits.push({
      file: `fit-${i}.json`,
      value: json(await fitShard(m, { index: i, count: shards }, { displayBase: root, champion })),
    });
  const plan = json(await mergeFits(m, fits, { displayBase: root })) as ScorePlan;
  const scores: { file: string; value: ScorePartial }[] = [];
  for (let i = 1; i <= shards; i++)
    scores.push({
      file: `score-${i}.json`,
      value: json(
        await scoreShard(
          m,
          plan,
          { index: i, count: shards },
          { displayBase: root, champion, planFile: "plan.json" },
        ),
      ),
    });
  return { plan, scores, merged: mergeScores(m, plan, scores, { root, champion, planFile: "plan.json" }) };
}

/** A champion: the single run's model with its slopes nudged, as an older version might be. */
function championFrom(model: Champion["model"]): Champion {
  const older = structuredClone(model);
  for (const term of Object.keys(older.coefficients)) older.coefficients[term]! *= 0.9;
  return { alias: "production", version: 1, model: older, sha256: serialiseModel(older).sha256 };
}

describe("sharded training and evaluation, both rounds", () => {
  for (const [parts, shards] of [
    [7, 2],
    [7, 3],
    [0, 3],
    [5, 7],
  ] as const) {
    it(`report equals a single run's (${parts ? `${parts} part files` : "one file"}, ${shards} shards, with a champion)`, async () => {
      project = shardProject({ rows: 2400, parts });
      const m = loadProject(project.file("modelgate.yml")).models[0]!;
      const base = await trainModel(m, { displayBase: project.root });
      base.release();
      const champion = championFrom(base.model);
      const single = await evaluateModel(m, { root: project.root, displayBase: project.root, champion });
      const { merged } = await sharded(m, shards, champion, project.root);
      expect(merged.report.data.testRows).toBe(single.report.data.testRows);
      expect(merged.report.challenger.metrics.rmse!.ci).not.toBeNull();
      expect(merged.report.differences.rmse!.ci).not.toBeNull();
      // What changed in the data, numeric columns counted into the champion's bins by every shard.
      const change = merged.report.dataChange!;
      expect(change).toMatchObject({ changed: false, rows: { added: 0, removed: 0, exact: true } });
      const numbers = change.columns.filter((c) => c.type === "number");
      expect(numbers.length).toBeGreaterThan(0);
      expect(numbers.every((c) => c.psi !== null)).toBe(true);
      expectClose(merged.report, single.report, 1e-9);
    });
  }

  it("report equals a single run's without a champion, and a score partial does not grow with the rows", async () => {
    const sizes: number[] = [];
    for (const rows of [1600, 6400]) {
      project = shardProject({ rows, parts: 4 });
      const m = loadProject(project.file("modelgate.yml")).models[0]!;
      const single = await evaluateModel(m, {
        root: project.root,
        displayBase: project.root,
        champion: null,
      });
      const { merged, scores } = await sharded(m, 2, null, project.root);
      expectClose(merged.report, single.report, 1e-9);
      sizes.push(JSON.stringify(scores[0]!.value).length);
      project.remove();
    }
    expect(Math.abs(sizes[1]! - sizes[0]!) / sizes[0]!).toBeLessThan(0.05);
  });
});
