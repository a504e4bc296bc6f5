/** One schema for every report.json: evaluation and monitor reports, told apart by `kind`. */
import { describe, expect, it } from "vitest";
import { anyReportSchema, evaluationReportSchema } from "../../src/report/any-report-schema.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { committedSchemaErrors } from "../helpers/committed-schema.js";
import { carsReport, improvedReport } from "./report-fixtures.js";

describe("anyReportSchema", () => {
  it("accepts evaluation reports, in zod and in the committed JSON Schema", () => {
    for (const r of [carsReport(), improvedReport()]) {
      expect(anyReportSchema.parse(r)).toEqual(r);
      expect(evaluationReportSchema.parse(r)).toEqual(r);
      expect(committedSchemaErrors("report.schema.json", JSON.parse(JSON.stringify(r)))).toEqual([]);
    }
  });

  it("judges a report by its kind: an evaluation body labelled monitor is refused", () => {
    const r = { ...carsReport(), kind: "monitor" as const };
    // The App's schema is unchanged: it still takes either label.
    expect(reportSchema.safeParse(r).success).toBe(true);
    expect(anyReportSchema.safeParse(r).success).toBe(false);
    expect(committedSchemaErrors("report.schema.json", JSON.parse(JSON.stringify(r)))).not.toEqual([]);
    const unknown = anyReportSchema.safeParse({ ...carsReport(), kind: "forecast" });
    expect(unknown.error?.issues[0]).toMatchObject({ path: ["kind"] });
  });

  it("stays strict: unknown keys are refused", () => {
    expect(evaluationReportSchema.safeParse({ ...carsReport(), extra: 1 }).success).toBe(false);
    expect(anyReportSchema.safeParse({ ...carsReport(), extra: 1 }).success).toBe(false);
    expect(committedSchemaErrors("report.schema.json", { ...carsReport(), extra: 1 })).not.toEqual([]);
  });
});
