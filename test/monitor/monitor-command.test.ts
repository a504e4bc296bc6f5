/** `modelgate monitor` on the cars example: unchanged data, drifted data, invalid data, usage. */
import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterEach, describe, expect, it } from "vitest";
import { monitorCommand } from "../../cli/commands/monitor.js";
import { memoryIo } from "../../cli/io.js";
import { reportError } from "../../cli/main.js";
import { monitorReportSchema, type MonitorReport } from "../../src/report/monitor-report-schema.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

const examples = path.resolve(import.meta.dirname, "../../examples/cars");
let project: TempProject | undefined;
afterEach(() => project?.remove());

function cars(): TempProject {
  project = tempProject({});
  cpSync(examples, project.root, { recursive: true });
  return project;
}

type Car = Record<string, string | number | null>;
const carRows = (): Car[] => JSON.parse(readFileSync(path.join(examples, "data/cars.json"), "utf8")) as Car[];

/** Runs the command as `modelgate monitor ...` would, errors turned into exit codes by the CLI's own handler. */
async function monitor(args: string[]) {
  const io = memoryIo(project!.root);
  let code: number;
  try {
    code = await monitorCommand.run(args, io);
  } catch (error) {
    code = reportError(error, io, false);
  }
  return { code, out: io.stdout, err: io.stderr };
}

const readReport = (dir: string): MonitorReport =>
  monitorReportSchema.parse(JSON.parse(readFileSync(project!.file(`${dir}/report.json`), "utf8")));

describe("modelgate monitor", () => {
  it("the production version's own training data shows no drift: exit 0", async () => {
    cars();
    const r = await monitor(["--model", "mpg", "--data", "data/cars.json", "--out", "out"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const report = readReport("out");
    expect(report).toMatchObject({ kind: "monitor", verdict: "ok", passed: true });
    const m = report.models[0]!;
    expect(m.production).toMatchObject({ alias: "production", version: 1 });
    // The production version (v1) uses three features; its target is monitored too.
    expect(m.columns.map((c) => [c.name, c.role])).toEqual([
      ["Weight_in_lbs", "feature"],
      ["Horsepower", "feature"],
      ["Year", "feature"],
      ["Miles_per_Gallon", "target"],
    ]);
    for (const c of m.columns) expect(c.psi!).toBeLessThan(1e-9);
    // Scored on the data it was trained on: the gate holds against the recorded test metrics.
    expect(m.performance!.rows).toBeGreaterThan(390);
    expect(m.performance!.gate.passed).toBe(true);
    expect(r.out).toMatch(/^Weight_in_lbs\s+feature\s+0\s+KS/m);
    expect(r.out).toContain("verdict: OK");
    expect(readFileSync(project!.file("out/report.md"), "utf8")).toContain("## 🟢 ok: modelgate monitor");
  });

  it("heavier cars, a dropped feature and a new column: exit 1 with the reasons", async () => {
    cars();
    const drifted = carRows().map((c) => {
      const { Horsepower: _dropped, ...rest } = c;
      return {
        ...rest,
        Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3),
        "Colour @here": "red",
      };
    });
    project!.write("new.json", JSON.stringify(drifted));
    const r = await monitor(["--model", "mpg", "--data", "new.json", "--out", "drift"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(1);
    const m = readReport("drift").models[0]!;
    expect(m.verdict).toBe("alert");
    expect(m.missingColumns).toEqual([{ name: "Horsepower", role: "feature" }]);
    expect(m.newColumns).toEqual(["Colour @here"]);
    expect(m.columns.find((c) => c.name === "Weight_in_lbs")).toMatchObject({ status: "alert" });
    expect(m.performance).toBeNull();
    expect(r.out).toContain("verdict: ALERT");
    expect(r.out).toMatch(/^Horsepower\s+feature.*missing$/m);
    const md = readFileSync(project!.file("drift/report.md"), "utf8");
    expect(md).toContain("## 🔴 alert: modelgate monitor");
    // A column name from the data cannot mention anyone: in code spans, or escaped and broken.
    expect(md).toContain("`Colour @here`");
    const prose = md.replace(/`[^`\n]*`/g, "");
    expect(prose).toContain("Colour \\@\u200bhere");
    expect(prose).not.toMatch(/(^|[^\\])@here/);
  });

  it("the same drift in a Parquet file: the same findings, a new numeric column read as a number", async () => {
    cars();
    // The example's data spec says `format: json`; a file named .parquet is read as Parquet.
    const drifted = carRows().map((c, i) => {
      const { Horsepower: _dropped, ...rest } = c;
      return { ...rest, Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3), Torque: 100 + (i % 50) };
    });
    const json = project!.write("new.json", JSON.stringify(drifted));
    // DuckDB writes the same rows as Parquet, as pyarrow or Spark would.
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    const parquet = project!.file("new.parquet");
    await connection.run(`COPY (SELECT * FROM read_json_auto('${json}')) TO '${parquet}' (FORMAT parquet)`);
    const fromJson = await monitor(["--model", "mpg", "--data", "new.json", "--out", "j"]);
    const fromParquet = await monitor(["--model", "mpg", "--data", "new.parquet", "--out", "p"]);
    expect(fromParquet.err).toBe("");
    expect([fromJson.code, fromParquet.code]).toEqual([1, 1]);
    const [j, p] = [readReport("j").models[0]!, readReport("p").models[0]!];
    expect(p.missingColumns).toEqual([{ name: "Horsepower", role: "feature" }]);
    expect(p.missingColumns).toEqual(j.missingColumns);
    expect(p.newColumns).toEqual(["Torque"]);
    expect(p.newColumns).toEqual(j.newColumns);
    expect(p.columns.map((c) => [c.name, c.status, c.psi])).toEqual(
      j.columns.map((c) => [c.name, c.status, c.psi]),
    );
    expect(p.verdict).toBe("alert");
  });

  it("thresholds from flags: a tolerant PSI turns the same drift into a warning", async () => {
    cars();
    const drifted = carRows().map((c) => ({
      ...c,
      Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3),
    }));
    project!.write("new.json", JSON.stringify(drifted));
    const strict = await monitor(["-m", "mpg", "-d", "new.json", "-o", "a"]);
    expect(strict.code).toBe(1);
    const psi = readReport("a").models[0]!.columns.find((c) => c.name === "Weight_in_lbs")!.psi!;
    const tolerant = await monitor([
      "-m",
      "mpg",
      "-d",
      "new.json",
      "-o",
      "b",
      "--psi-alert",
      String(psi + 1),
    ]);
    const m = readReport("b").models[0]!;
    expect(m.thresholds.psiAlert).toBe(psi + 1);
    expect(m.columns.find((c) => c.name === "Weight_in_lbs")!.status).toBe("warn");
    expect(tolerant.code).toBe(m.verdict === "alert" ? 1 : 0);
    expect(m.reasons.filter((x) => x.column === "Weight_in_lbs").map((x) => x.severity)).toEqual(["warn"]);
  });

  it("data the spec refuses is invalid input: exit 2 naming the row and column", async () => {
    cars();
    const rows = carRows();
    rows[3] = { ...rows[3]!, Year: "1999-01-01" };
    project!.write("new.json", JSON.stringify(rows));
    const r = await monitor(["--model", "mpg", "--data", "new.json"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/new\.json(:\d+)?, row 4, column "Year"/);
  });

  it("usage: missing flags, bad numbers, unknown models", async () => {
    cars();
    expect((await monitor(["--data", "x.json"])).err).toMatch(/--model NAME is required/);
    expect((await monitor(["--model", "mpg"])).code).toBe(2);
    const bad = await monitor(["--model", "mpg", "--data", "data/cars.json", "--psi-warn", "high"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--psi-warn must be a number/);
    const inverted = await monitor([
      "-m",
      "mpg",
      "-d",
      "data/cars.json",
      "--psi-warn",
      "0.5",
      "--psi-alert",
      "0.2",
    ]);
    expect(inverted.code).toBe(2);
    expect(inverted.err).toMatch(/psiWarn must not be above psiAlert/);
    expect((await monitor(["--model", "nope", "--data", "data/cars.json"])).err).toMatch(
      /there is no model "nope"/,
    );
    expect((await monitor(["--help"])).out).toMatch(/^usage: modelgate monitor --model NAME --data FILE/);
  });

  it("a model without a production version cannot be monitored: exit 2", async () => {
    cars();
    project!.write(".modelgate/registry.json", JSON.stringify({ schemaVersion: 1, models: {} }));
    const r = await monitor(["--model", "mpg", "--data", "data/cars.json"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mpg has no version under alias production/);
  });
});
