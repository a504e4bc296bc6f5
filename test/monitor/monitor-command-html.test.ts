/** `modelgate monitor --out DIR` writes the HTML report beside report.json and report.md, and says where. */
import { cpSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { monitorCommand } from "../../cli/commands/monitor.js";
import { memoryIo } from "../../cli/io.js";
import { monitorReportSchema } from "../../src/report/monitor-report-schema.js";
import { committedSchemaErrors } from "../helpers/committed-schema.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";

const examples = path.resolve(import.meta.dirname, "../../examples/cars");
let project: TempProject | undefined;
afterEach(() => project?.remove());

type Car = Record<string, string | number | null>;

async function monitor(data: string, out: string) {
  project = tempProject({});
  cpSync(examples, project.root, { recursive: true });
  const cars = JSON.parse(readFileSync(path.join(examples, "data/cars.json"), "utf8")) as Car[];
  const rows =
    data === "heavier"
      ? cars.map((c) => ({ ...c, Weight_in_lbs: Math.round(Number(c["Weight_in_lbs"]) * 1.3) }))
      : cars;
  project.write("new.json", JSON.stringify(rows));
  const io = memoryIo(project.root);
  const code = await monitorCommand.run(["--model", "mpg", "--data", "new.json", "--out", out], io);
  const raw: unknown = JSON.parse(readFileSync(project.file(`${out}/report.json`), "utf8"));
  // report.json of kind monitor is valid against the committed report.schema.json too.
  expect(committedSchemaErrors("report.schema.json", raw)).toEqual([]);
  const report = monitorReportSchema.parse(raw);
  const html = readFileSync(project.file(`${out}/report.html`), "utf8");
  return { code, out: io.stdout, report, html };
}

const charts = (html: string) =>
  [...html.matchAll(/<figure class="chart" data-chart="distribution"/g)].length;

describe("modelgate monitor writes report.html", () => {
  it("with a chart for each drifted column, and prints its path", async () => {
    const r = await monitor("heavier", "drift");
    expect(r.code).toBe(1);
    expect(r.out).toContain("wrote drift/report.json, drift/report.md and drift/report.html");
    const drifted = r.report.models[0]!.columns.filter((c) => c.status === "warn" || c.status === "alert");
    expect(drifted.map((c) => c.name)).toContain("Weight_in_lbs");
    expect(charts(r.html)).toBe(drifted.length);
    expect(r.html).toMatch(/<title id="[^"]+">Weight_in_lbs: training and new data<\/title>/);
    expect(r.html).toMatch(/^<!doctype html>/);
  });

  it("without drift, the page has no distribution chart", async () => {
    const r = await monitor("same", "out");
    expect(r.code).toBe(0);
    expect(r.out).toContain("out/report.html");
    expect(charts(r.html)).toBe(0);
    expect(r.html).toContain("No column drifted, so no distribution is drawn.");
  });
});
