/**
 * The thresholds of drift monitoring: a model spec's `monitor:` section, read defensively (a
 * spec written before the section existed has none), overridable by the CLI or the Action.
 */
import { z } from "zod";
import { InputError } from "../errors.js";

/** The model spec's `monitor:` section. Every key has a default. */
export const monitorSpecSchema = z
  .strictObject({
    psiWarn: z
      .number()
      .gt(0)
      .default(0.1)
      .describe("PSI at or above which a significant shift is a warning. Default 0.1."),
    psiAlert: z
      .number()
      .gt(0)
      .default(0.25)
      .describe("PSI at or above which a significant shift is an alert. Default 0.25."),
    pValue: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.01)
      .describe(
        "Family-wise significance level of the drift tests, corrected for the number of features. Default 0.01.",
      ),
    correction: z
      .enum(["holm", "bonferroni"])
      .default("holm")
      .describe("How p-values are corrected for the number of features. Default holm."),
  })
  .refine((t) => t.psiWarn <= t.psiAlert, { message: "psiWarn must not be above psiAlert" })
  .describe("Drift monitoring thresholds of this model.");

export type MonitorThresholds = z.output<typeof monitorSpecSchema>;

/** The defaults: PSI 0.1 warn, 0.25 alert, p 0.01 with Holm's correction. */
export const DEFAULT_THRESHOLDS: Readonly<MonitorThresholds> = {
  psiWarn: 0.1,
  psiAlert: 0.25,
  pValue: 0.01,
  correction: "holm",
};

/**
 * The thresholds for one model: the spec's `monitor:` section when it has one (the spec
 * schema may not know the key yet, so the parsed spec is read as unknown), then `overrides`
 * (command-line flags, Action inputs) on top.
 *
 * @throws InputError naming `specFile` when the section or an override is invalid.
 */
export function resolveThresholds(
  spec: unknown,
  specFile: string,
  overrides: Partial<MonitorThresholds> = {},
): MonitorThresholds {
  const section =
    spec !== null && typeof spec === "object" && "monitor" in spec
      ? (spec as { monitor: unknown }).monitor
      : undefined;
  const merged = { ...(section && typeof section === "object" ? section : {}), ...definedOnly(overrides) };
  if (section !== undefined && (section === null || typeof section !== "object" || Array.isArray(section)))
    throw new InputError({
      file: specFile,
      field: "monitor",
      message: "`monitor` must be a mapping",
      hint: "for example monitor: { psiWarn: 0.1, psiAlert: 0.25, pValue: 0.01 }",
    });
  const parsed = monitorSpecSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError({
      file: specFile,
      field: ["monitor", ...issue.path.map(String)].join("."),
      message: `invalid monitoring threshold: ${issue.message}`,
      hint: "monitor: { psiWarn: 0.1, psiAlert: 0.25, pValue: 0.01, correction: holm }",
    });
  }
  return parsed.data;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
