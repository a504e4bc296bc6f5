/**
 * What changed in the data: the German credit data as the champion was trained on it against a
 * second version with rows removed, rows added (larger amounts, more bad risks, a new purpose).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataSpec } from "../../src/project/load-project.js";
import type { DataSpec } from "../../src/project/schemas.js";
import { scanDataset } from "../../src/data/scan-dataset.js";
import type { DataProfile } from "../../src/data/profile-columns.js";
import { compareData, type DataChangeInput } from "../../src/monitor/compare-data.js";
import { DEFAULT_THRESHOLDS } from "../../src/project/monitor-thresholds.js";
import { dataChangeSchema } from "../../src/report/data-change-schema.js";
import { championEdges } from "../../src/run/data-change.js";
import { tempFile } from "../data/data-test-helpers.js";

const spec = loadDataSpec(path.resolve("examples/credit/data/credit.data.yml"), "credit.data.yml");
const lines = readFileSync(path.resolve("examples/credit/data/german.csv"), "utf8").trim().split("\n");
const names = spec.columns.map((c) => c.name);
const at = (name: string) => names.indexOf(name);

/** The data spec with one more purpose, A411. */
const spec2: DataSpec = {
  ...spec,
  columns: spec.columns.map((c) =>
    c.name === "purpose" && c.type === "category" ? { ...c, values: [...c.values!, "A411"] } : c,
  ),
};

/** 40 rows removed; 300 added: amounts tripled, every one a bad risk, 30 of them purpose A411. */
function secondVersion(): string[] {
  const kept = lines.filter((_, i) => i % 25 !== 7);
  const added = lines.slice(0, 300).map((line, i) => {
    const cells = line.split(",");
    cells[at("amount_dm")] = String(Number(cells[at("amount_dm")]) * 3 + 1);
    cells[at("risk")] = "2";
    if (i < 30) cells[at("purpose")] = "A411";
    return cells.join(",");
  });
  return [...kept, ...added];
}

async function profiles() {
  const before = await scanDataset(spec, tempFile("german.csv", lines.join("\n") + "\n"));
  const file = tempFile("german-v2.csv", secondVersion().join("\n") + "\n");
  const after = await scanDataset(spec2, file);
  const binned = await scanDataset(spec2, file, { edges: championEdges(before.profile)! });
  return { before, after, binned: binned.profile };
}

function input(
  training: DataProfile,
  current: DataProfile,
  more: Partial<DataChangeInput> = {},
): DataChangeInput {
  return {
    training,
    current,
    target: "risk",
    features: ["amount_dm", "purpose", "age", "duration_months"],
    thresholds: { ...DEFAULT_THRESHOLDS },
    champion: { version: 3, specHash: "a".repeat(64), dataHash: "b".repeat(64) },
    specHash: "a".repeat(64),
    dataHash: "c".repeat(64),
    ...more,
  };
}

describe("compareData", () => {
  it("counts rows, finds the drift, the new purpose and the target's new shares", async () => {
    const { before, after, binned } = await profiles();
    const change = compareData(input(before.profile, after.profile, { binned }));
    dataChangeSchema.parse(change);
    expect(change).toMatchObject({
      changed: true,
      dataOnly: true,
      champion: { version: 3, rows: 1000 },
      current: { rows: 1260 },
      rows: { by: "row", added: 300, removed: 40, exact: true },
      columnsAdded: [],
      columnsDropped: [],
    });
    // The tripled amounts are the largest shift, graded by the monitor's rule.
    const amount = change.columns.find((c) => c.name === "amount_dm")!;
    expect(amount).toMatchObject({ role: "feature", test: "ks" });
    expect(["warn", "alert"]).toContain(amount.status);
    const psis = change.columns.filter((c) => c.role !== "target").map((c) => c.psi ?? 0);
    expect(amount.psi).toBe(Math.max(...psis));
    expect(change.columns[0]!.status).toBe("alert");
    expect(change.columns.find((c) => c.name === "dependents")!.role).toBe("other");
    expect(change.newCategories).toEqual([
      { column: "purpose", values: [{ value: "A411", count: 30 }], omitted: 0 },
    ]);
    // Target shares straight from the two files.
    const bad = (rows: string[]) => rows.filter((l) => l.split(",")[at("risk")] === "2").length / rows.length;
    const shares = new Map(change.target!.shares.map((s) => [s.value, s] as const));
    expect(shares.get("bad")!.before).toBeCloseTo(bad(lines), 12);
    expect(shares.get("bad")!.after).toBeCloseTo(bad(secondVersion()), 12);
    expect(change.target!.before.count).toBe(1000);
  });

  it("skips a numeric column that was not counted into the champion's bins", async () => {
    const { before, after } = await profiles();
    const change = compareData(input(before.profile, after.profile));
    const amount = change.columns.find((c) => c.name === "amount_dm")!;
    expect(amount.status).toBe("skipped");
    expect(amount.note).toMatch(/training bins/);
    // age's edges come from the spec's min and max: the same on both sides, so it is compared.
    expect(change.columns.find((c) => c.name === "age")!.psi).not.toBeNull();
  });

  it("names columns added and dropped, and data that did not change", async () => {
    const { before } = await profiles();
    const dropped: DataProfile = {
      ...before.profile,
      columns: [
        ...before.profile.columns.filter((c) => c.name !== "dependents"),
        { name: "region", type: "category", count: 1000, missing: 0 },
      ],
    };
    const change = compareData(input(before.profile, dropped, { dataHash: "b".repeat(64) }));
    expect(change).toMatchObject({ columnsAdded: ["region"], columnsDropped: ["dependents"] });
    expect(change).toMatchObject({ changed: false, dataOnly: false, rows: { added: 0, removed: 0 } });
    expect(change.columns.every((c) => c.status === "ok" || c.status === "skipped")).toBe(true);
  });

  it("says why rows cannot be matched when the salt changed, or the champion kept no sketch", async () => {
    const { before, after } = await profiles();
    const resalted = { ...after.profile, rowHashes: { ...after.profile.rowHashes!, salt: "credit-v2" } };
    const change = compareData(input(before.profile, resalted));
    expect(change.rows).toBeNull();
    expect(change.rowsNote).toMatch(/salt/);
    const { rowHashes: _, ...old } = before.profile;
    expect(compareData(input(old, after.profile)).rowsNote).toMatch(/earlier modelgate/);
    expect(compareData(input(old, after.profile, { specHash: "d".repeat(64) })).dataOnly).toBe(false);
  });
});
