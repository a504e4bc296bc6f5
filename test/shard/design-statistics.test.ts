/** The design accumulator's statistics give the pipeline PipelineLearner gives, for each imputation. */
import { afterEach, describe, expect, it } from "vitest";
import { readRows, TRAIN } from "../../src/data/index.js";
import { loadProject } from "../../src/project/load-project.js";
import { PipelineLearner } from "../../src/train/feature-pipeline.js";
import { designAccumulator, planLinear } from "../../src/train/fit-linear.js";
import { finishDesign } from "../../src/shard/finish-design.js";
import { shardProject } from "./shard-project.js";
import type { TempProject } from "../helpers/temp-project.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

describe("design statistics", () => {
  for (const impute of ["mean", "median", "most_frequent", "constant"]) {
    it(`match PipelineLearner with impute ${impute}`, async () => {
      project = shardProject({
        rows: 900,
        parts: 0,
        model: `preprocessing: { impute: { numeric: ${impute}, category: most_frequent } }`,
      });
      const m = loadProject(project.file("modelgate.yml")).models[0]!;
      const plan = planLinear(m.spec, m.data, m.features);
      const learner = new PipelineLearner(plan.features, m.data.columns);
      const design = designAccumulator(plan);
      for await (const batch of readRows(m.data, m.dataFile)) {
        const y = batch.columns[plan.targetIndex]!;
        learner.add(
          batch,
          (i) => batch.side[i] === TRAIN && y.kind === "numeric" && !Number.isNaN(y.values[i]!),
        );
        design.add(batch);
      }
      const options = { intercept: true, standardise: true };
      const expected = learner.finish(options);
      const finished = finishDesign(
        [{ state: design.toJSON(), medianValues: design.medianValues }],
        plan.features,
        {
          ...options,
          source: "data",
        },
      );
      expect(finished.pipeline).toEqual(expected.pipeline);
      expect(finished.warnings).toEqual(expected.warnings);
    });
  }
});
