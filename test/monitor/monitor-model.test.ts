/** Monitoring one model against controlled shifts, and against unshifted data across 50 seeds. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { monitorModel } from "../../src/monitor/monitor-model.js";
import { monitorModelSchema, type MonitorModelReport } from "../../src/report/monitor-report-schema.js";
import { DEFAULT_THRESHOLDS } from "../../src/project/monitor-thresholds.js";
import { drawRows, trainProduction, type Shift, type Trained } from "./monitor-fixtures.js";

let trained: Trained;
beforeAll(async () => {
  trained = await trainProduction();
});
afterAll(() => trained.project.remove());

let fileCount = 0;
async function monitor(
  rows: number,
  seed: number,
  shift: Shift = {},
  file?: string,
): Promise<MonitorModelReport> {
  const dataFile = trained.project.write(file ?? `new-${fileCount++}.csv`, drawRows(rows, seed, shift));
  const report = await monitorModel({
    model: trained.model,
    production: trained.production,
    recorded: trained.recorded,
    dataFile,
    thresholds: { ...DEFAULT_THRESHOLDS },
    root: trained.root,
    displayBase: trained.root,
  });
  // Every report is valid report.json as it stands.
  monitorModelSchema.parse(report);
  return report;
}

const column = (r: MonitorModelReport, name: string) => r.columns.find((c) => c.name === name)!;

describe("controlled shifts are detected", () => {
  it("a mean shift of one standard deviation is an alert on that feature only", async () => {
    const r = await monitor(1000, 101, { x1Mean: 1 });
    expect(r.verdict).toBe("alert");
    const x1 = column(r, "x1");
    expect(x1.status).toBe("alert");
    expect(x1.psi!).toBeGreaterThan(0.25);
    expect(x1.test).toMatchObject({ kind: "ks", significant: true, method: "exact", current: 1000 });
    expect(x1.test!.statistic).toBeGreaterThan(0.3);
    expect(column(r, "x2").status).toBe("ok");
    expect(column(r, "cat").status).toBe("ok");
    expect(r.reasons.some((x) => x.kind === "drift" && x.column === "x1" && x.severity === "alert")).toBe(
      true,
    );
    // The target moves with x1 (y = 1 + 2 x1 - ...): label drift, reported under the target's role.
    expect(column(r, "y")).toMatchObject({ role: "target", status: "alert" });
    // The model still describes the data: its live performance passes the gate.
    expect(r.performance!.gate.passed).toBe(true);
  });

  it("a doubled standard deviation is an alert, with the tails beyond the training bins", async () => {
    const r = await monitor(1000, 102, { x2Sd: 4 });
    const x2 = column(r, "x2");
    expect(x2.status).toBe("alert");
    expect(x2.current.std!).toBeGreaterThan(3.5);
    // The mean did not move; the outer bins (below the training minimum, above its maximum,
    // about 3.4 old standard deviations out: 1.7 new ones) hold about 8% of the new values.
    expect(Math.abs(x2.current.mean! - 5)).toBeLessThan(0.5);
    const outer = x2.bins[0]!.current + x2.bins[x2.bins.length - 1]!.current;
    expect(outer).toBeGreaterThan(0.04);
    expect(x2.bins[0]!.training + x2.bins[x2.bins.length - 1]!.training).toBeLessThan(0.01);
  });

  it("a new category is named as unseen and shifts the category's distribution", async () => {
    const r = await monitor(1000, 103, { newCategory: 0.2 });
    const cat = column(r, "cat");
    expect(cat.unseen).toHaveLength(1);
    expect(cat.unseen[0]!.value).toBe("d");
    expect(cat.unseen[0]!.count).toBeGreaterThan(150);
    expect(cat.test).toMatchObject({ kind: "chi2", significant: true });
    expect(cat.status).toBe("alert");
    expect(r.reasons).toContainEqual(expect.objectContaining({ kind: "unseen_category", column: "cat" }));
    expect(r.warnings.join("\n")).toMatch(/categories the model never saw/);
  });

  it("a rare new category is still a warning, though the distribution barely moves", async () => {
    const r = await monitor(1000, 104, { newCategory: 0.003 });
    const cat = column(r, "cat");
    expect(cat.unseen.length).toBe(1);
    expect(cat.status).toBe("warn");
    expect(r.verdict).toBe("warn");
  });

  it("a missing feature column is an alert; the model cannot score, so there is no performance", async () => {
    const r = await monitor(500, 105, { dropX2: true });
    expect(r.missingColumns).toEqual([{ name: "x2", role: "feature" }]);
    expect(r.verdict).toBe("alert");
    expect(r.reasons).toContainEqual(expect.objectContaining({ kind: "missing_column", column: "x2" }));
    expect(r.columns.map((c) => c.name)).toEqual(["x1", "cat", "y"]);
    expect(r.performance).toBeNull();
    expect(r.performanceNote).toMatch(/cannot score.*x2/);
  });

  it("a new column is a warning; data without the target has no performance section", async () => {
    const r = await monitor(500, 106, { addColumn: true, noTarget: true });
    expect(r.newColumns).toEqual(["extra"]);
    expect(r.reasons).toContainEqual(expect.objectContaining({ kind: "new_column", severity: "warn" }));
    expect(r.missingColumns).toEqual([{ name: "y", role: "target" }]);
    expect(r.verdict).toBe("warn");
    expect(r.performance).toBeNull();
    expect(r.performanceNote).toMatch(/no target column \(y\)/);
  });

  it("features that keep their distribution but lose their relation to the target fail the gate", async () => {
    const r = await monitor(1000, 107, { noise: 3 });
    for (const name of ["x1", "x2", "cat"]) expect(column(r, name).status).toBe("ok");
    const perf = r.performance!;
    expect(perf.rows).toBe(1000);
    expect(perf.recorded["rmse"]).toBe(trained.recorded.metrics["rmse"]);
    expect(perf.metrics["rmse"]!.value!).toBeGreaterThan(2 * perf.recorded["rmse"]!);
    expect(perf.gate.passed).toBe(false);
    expect(perf.gate.checks[0]).toMatchObject({
      metric: "rmse",
      rule: "maxRelativeWorsening",
      status: "fail",
    });
    expect(r.verdict).toBe("alert");
    expect(r.reasons).toContainEqual(expect.objectContaining({ kind: "performance", severity: "alert" }));
  });

  it("new data that breaks the data spec is invalid input, not drift", async () => {
    const file = trained.project.write("bad.csv", "x1,x2,cat,y\n1,2,a,3\nnot-a-number,2,a,3\n");
    await expect(
      monitorModel({
        model: trained.model,
        production: trained.production,
        recorded: trained.recorded,
        dataFile: file,
        thresholds: { ...DEFAULT_THRESHOLDS },
        root: trained.root,
        displayBase: trained.root,
      }),
    ).rejects.toThrow(InputError);
  });
});

describe("unshifted data", () => {
  /*
   * The promise: a column is a warning or an alert for drift only when its test is significant
   * after Holm's correction at pValue = 0.01, so when the new rows come from the training
   * distribution the verdict is ok except with probability at most 0.01 per run, whatever the
   * number of features (Holm controls the family-wise error rate). Unseen categories cannot
   * occur here (all three are frequent in training), and the gate's 20% tolerance is far beyond
   * the noise of RMSE on 1000 rows.
   *
   * Over 50 independent runs the count of false alarms is then at most Binomial(50, 0.01):
   * P(>= 3) = 0.014, so more than 2 would refute the promise at the 1.4% level. The raw
   * (uncorrected) p-values must also be calibrated, not merely conservative: across 50 runs and
   * 4 columns, the count below 0.05 is Binomial(200, 0.05) (mean 10) when the tests are exact;
   * 1 to 22 holds with probability above 99.9%. KS with continuous values is exact here; the
   * chi-square test is asymptotic with every expected count above 60.
   */
  it("stays ok across 50 seeds at the promised false-alarm rate, with calibrated p-values", async () => {
    let alarms = 0;
    let below5 = 0;
    let maxPsi = 0;
    for (let seed = 1000; seed < 1050; seed++) {
      const r = await monitor(1000, seed, {}, "unshifted.csv");
      if (r.verdict !== "ok") alarms++;
      for (const c of r.columns) {
        expect(c.test).not.toBeNull();
        if (c.test!.pValue < 0.05) below5++;
        maxPsi = Math.max(maxPsi, c.psi!);
      }
      expect(r.thresholds.tests).toBe(4);
    }
    expect(alarms).toBeLessThanOrEqual(2);
    expect(below5).toBeGreaterThanOrEqual(1);
    expect(below5).toBeLessThanOrEqual(22);
    // With 2000 training and 1000 new values over ten bins, PSI's noise level is 9 * 0.0015.
    expect(maxPsi).toBeLessThan(DEFAULT_THRESHOLDS.psiWarn);
  });
});
