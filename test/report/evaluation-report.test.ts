/** The evaluation report a run and a merge of shards both write around their models' reports. */
import { describe, expect, it } from "vitest";
import { evaluationReport, reportSchema } from "../../src/report/report-schema.js";
import { carsReport, failedGateReport } from "./report-fixtures.js";

describe("evaluationReport", () => {
  const passing = carsReport().models;
  const failing = failedGateReport().models;

  it("passes when every model was evaluated and passed, with refs unknown unless given", () => {
    expect(passing.every((m) => m.passed)).toBe(true);
    const report = evaluationReport(passing, {});
    expect(reportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      kind: "evaluation",
      head: { sha: null, ref: null },
      base: null,
      passed: true,
      models: passing,
    });
    const head = { sha: "a".repeat(40), ref: "refs/pull/7/head" };
    expect(evaluationReport(passing, { head, base: null }).head).toEqual(head);
  });

  it("fails when a model failed its gate, or a model could not be evaluated", () => {
    expect(failing.some((m) => !m.passed)).toBe(true);
    expect(evaluationReport([...passing, ...failing], {}).passed).toBe(false);
    expect(evaluationReport(passing, { allEvaluated: false }).passed).toBe(false);
  });
});
