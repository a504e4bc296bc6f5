/**
 * Fitting a logistic regression (binary) with its search, streaming: the design is never held.
 *
 * 1. One pass learns the feature pipeline's statistics (and counts the classes).
 * 2. Each IRLS iteration is one more pass over the data (`LogisticIrls`): the rows are read,
 *    turned into terms and folded into the Newton step's QR factor, O(terms²) whatever the row
 *    count. A search fits every trial × fold in the same passes, then scores the held-out rows
 *    in one more pass (which keeps one prediction per train row and trial for the metric).
 * 3. The chosen trial is fitted on every train row, in passes of its own.
 */
import { TRAIN, type RowBatch } from "../data/row-batch.js";
import { InputError } from "../errors.js";
import { metricDefinition } from "../evaluate/metrics.js";
import type { DataSpec, MetricName, ModelSpec } from "../project/schemas.js";
import { PipelineLearner, resolveFeatures } from "./feature-pipeline.js";
import { bindPipeline, termNames } from "../model/pipeline.js";
import {
  chooseTrial,
  finishPipeline,
  penaltyFor,
  chosenModel,
  trialColumns,
  type ModelFit,
  type TrialResult,
} from "./fit-common.js";
import { irlsSettings, logisticFitOf, type LogisticFit } from "./least-squares/fit-logistic-regression.js";
import { LogisticIrls } from "./least-squares/logistic-irls.js";
import { foldOf, searchPlan } from "./search-space.js";
import { targetReader } from "./target.js";

export interface LogisticFitInput {
  spec: ModelSpec;
  data: DataSpec;
  features: string[];
  read: () => AsyncIterable<RowBatch>;
  source: string;
}

/** One IRLS fit in the shared passes: its columns, and the fold it leaves out (null: none). */
interface StreamedFit {
  irls: LogisticIrls;
  cols: number[];
  row: Float64Array;
  heldOut: number | null;
  /** A fold fit that threw an InputError (e.g. separable within the fold): no score. */
  failed: boolean;
}

/** Trains a logistic regression as the spec describes. */
export async function fitLogistic(input: LogisticFitInput): Promise<ModelFit> {
  const { spec, data } = input;
  const algo = spec.algorithm;
  if (algo.type !== "logistic") throw new Error("fitLogistic needs algorithm.type logistic");
  const columns = data.columns;
  const columnNames = columns.map((c) => c.name);
  const targetIndex = columnNames.indexOf(spec.target);
  const target = targetReader(spec, columns[targetIndex]!, targetIndex);
  const intercept = algo.intercept;
  const standardise = spec.preprocessing.scale === "standard";
  const { trials, maxDegree, searching, folds, foldSeed } = searchPlan(spec, input.features);
  const primary: MetricName = spec.metrics.primary ?? "auc";

  // 1. statistics
  const learner = new PipelineLearner(resolveFeatures(spec, columns, maxDegree), columns);
  let missingTarget = 0;
  for await (const batch of input.read()) {
    const y = new Float64Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      y[i] = target(batch, i);
      if (Number.isNaN(y[i]!)) missingTarget++;
    }
    learner.add(batch, (i) => batch.side[i] === TRAIN && !Number.isNaN(y[i]!));
  }
  const { pipeline, warnings } = finishPipeline(learner, { intercept, standardise }, input.source);
  const bound = bindPipeline(pipeline, columnNames);
  const offset = intercept ? 1 : 0;
  const width = offset + bound.width;
  const names = [...(intercept ? ["(intercept)"] : []), ...termNames(pipeline)];

  /** Every train row the fit uses, as (terms, target, fold): one pass over the data. */
  const trainRows = async (visit: (x: Float64Array, y: number, fold: number) => void): Promise<void> => {
    const x = new Float64Array(width);
    if (intercept) x[0] = 1;
    for await (const batch of input.read()) {
      for (let i = 0; i < batch.length; i++) {
        if (batch.side[i] !== TRAIN) continue;
        const t = target(batch, i);
        if (Number.isNaN(t) || bound.hasUnimputedMissing(batch, i)) continue;
        bound.fill(batch, i, x, offset, true);
        visit(x, t, folds > 1 ? foldOf(batch.row[i]!, folds, foldSeed) : 0);
      }
    }
  };

  let n = 0;
  let positives = 0;
  await trainRows((_, y) => {
    n++;
    positives += y;
  });
  if (positives === 0 || positives === n)
    throw new InputError({
      file: input.source,
      field: spec.target,
      message: `every one of the ${n} train rows is ${positives === 0 ? "not " : ""}"${String(spec.positiveClass)}": there is only one class to learn`,
      hint: "check positiveClass against the target's values, or use more data",
    });
  const weights = classWeights(algo.classWeight, n, positives, String(spec.positiveClass));
  const classNames = [`not "${String(spec.positiveClass)}"`, `"${String(spec.positiveClass)}"`] as const;

  const startFit = (
    cols: number[],
    alpha: number | null,
    rankDeficient: "drop" | "throw",
    heldOut: number | null,
  ): StreamedFit => {
    const settings = irlsSettings(
      {
        columnNames: cols.map((c) => names[c]!),
        penalty: penaltyFor(cols, alpha, intercept),
        maxIterations: algo.maxIterations,
        rankDeficient,
        file: input.source,
        classNames,
      },
      cols.length,
    );
    return {
      irls: new LogisticIrls(settings),
      cols,
      row: new Float64Array(cols.length),
      heldOut,
      failed: false,
    };
  };
  /** Passes over the data until every fit is over. */
  const run = async (fits: StreamedFit[]): Promise<void> => {
    for (;;) {
      const active = fits.filter((f) => !f.failed && !f.irls.done);
      if (active.length === 0) return;
      for (const f of active) f.irls.beginPass();
      await trainRows((x, y, fold) => {
        const w = weights ? weights[y]! : 1;
        for (const f of active) {
          if (f.heldOut === fold) continue;
          for (let c = 0; c < f.cols.length; c++) f.row[c] = x[f.cols[c]!]!;
          f.irls.addRow(f.row, y, w);
        }
      });
      for (const f of active) {
        try {
          f.irls.endPass();
        } catch (e) {
          if (f.heldOut === null || !(e instanceof InputError)) throw e;
          f.failed = true;
        }
      }
    }
  };

  // 2. search by k-fold cross-validation on the train side
  const definition = metricDefinition(primary);
  let results: TrialResult[] = trials.map((params) => ({ params, score: null, foldScores: [] }));
  if (searching) {
    const grid = trials.map((params) =>
      Array.from({ length: folds }, (_, f) =>
        startFit(trialColumns(pipeline, params, intercept), params.alpha, "drop", f),
      ),
    );
    await run(grid.flat());
    const fitted = grid.map((row) => row.map((f) => (f.failed ? null : f.irls.outcome().coefficients)));
    // Held-out predictions, per trial and fold.
    const actual = grid.map(() => Array.from({ length: folds }, () => new GrowingArray()));
    const predicted = grid.map(() => Array.from({ length: folds }, () => new GrowingArray()));
    await trainRows((x, y, fold) => {
      grid.forEach((row, t) => {
        const b = fitted[t]![fold];
        if (!b) return;
        const cols = row[fold]!.cols;
        let eta = 0;
        for (let c = 0; c < cols.length; c++) eta += b[c]! * x[cols[c]!]!;
        actual[t]![fold]!.push(y);
        predicted[t]![fold]!.push(1 / (1 + Math.exp(-eta)));
      });
    });
    results = trials.map((params, t) => {
      const foldScores = Array.from({ length: folds }, (_, f) => {
        const held = actual[t]![f]!;
        if (fitted[t]![f] === null || held.length === 0) return null;
        const v = definition.prepare(held.values(), predicted[t]![f]!.values(), {
          threshold: algo.threshold,
        })();
        return Number.isNaN(v) ? null : v;
      });
      const defined = foldScores.filter((s): s is number => s !== null);
      return {
        params,
        score: defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : null,
        foldScores,
      };
    });
  }
  const chosen = chooseTrial(results, definition.higherIsBetter);

  // 3. final fit
  const params = trials[chosen]!;
  const final = startFit(trialColumns(pipeline, params, intercept), params.alpha, "throw", null);
  await run([final]);
  const fit: LogisticFit = logisticFitOf(
    final.irls.outcome(),
    final.cols.map((c) => names[c]!),
  );
  warnings.push(...fit.problems.map((p) => p.message));
  if (!fit.converged) warnings.push(`logistic regression did not converge in ${fit.iterations} iterations`);
  return {
    ...chosenModel(pipeline, params, fit),
    trainingRows: n,
    missingTarget,
    trials: results,
    chosen,
    searchMetric: primary,
    folds: searching ? folds : 0,
    warnings,
  };
}

/** A Float64Array that grows by doubling. */
class GrowingArray {
  private data = new Float64Array(256);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The weight of a row of class 0 and of class 1 from `classWeight` ("balanced" gives each class
 * half the total weight); undefined without one.
 */
function classWeights(
  spec: "balanced" | Record<string, number> | undefined,
  n: number,
  positives: number,
  positiveName: string,
): [number, number] | undefined {
  if (!spec) return undefined;
  if (spec === "balanced") return [n / (2 * (n - positives)), n / (2 * positives)];
  const others = Object.entries(spec).filter(([k]) => k !== positiveName);
  return [others.length === 1 ? others[0]![1] : 1, spec[positiveName] ?? 1];
}
