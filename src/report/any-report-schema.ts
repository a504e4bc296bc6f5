/**
 * Every report.json modelgate writes, as one schema: a union discriminated by `kind` of the
 * evaluation report (`report-schema.ts`) and the monitor report
 * (`../monitor/monitor-report-schema.ts`). It lives in its own file because the monitor schema
 * imports pieces of the evaluation schema (the gate, metric estimates), so the evaluation
 * schema cannot import it back without a cycle. `schemas/report.schema.json` is generated from
 * `anyReportSchema`; the App keeps validating pull-request artifacts with the strict
 * `reportSchema`, since only evaluation reports belong there.
 */
import { z } from "zod";
import { monitorReportSchema } from "./monitor-report-schema.js";
import { reportSchema } from "./report-schema.js";

/**
 * The evaluation report: `reportSchema` with `kind` narrowed to "evaluation" (what the
 * evaluation writes), so that each kind names exactly one member of the union.
 */
export const evaluationReportSchema = reportSchema.extend({ kind: z.literal("evaluation") });

/** Any report.json: evaluation or monitor, told apart by `kind`. */
export const anyReportSchema = z.discriminatedUnion("kind", [evaluationReportSchema, monitorReportSchema]);

export type EvaluationReport = z.output<typeof evaluationReportSchema>;
export type AnyReport = z.output<typeof anyReportSchema>;
