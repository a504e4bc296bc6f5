/**
 * `features[].expand`: a date feature as numbers of its parts (UTC). The model trained by run
 * and by train is the same, and predict scores rows with exactly the terms it learnt.
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parseModelFile } from "../../src/model/model-file.js";
import { reportSchema } from "../../src/report/report-schema.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";
import { runCli } from "../helpers/run-cli.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** Rows at varied times; y depends on the month, the weekday and the hour. */
function rows(): { csv: string; when: string[]; x: number[] } {
  const when: string[] = [];
  const x: number[] = [];
  const lines = ["when,x,y"];
  let seed = 5;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  for (let i = 0; i < 240; i++) {
    const ms = Date.UTC(2021, 0, 1) + Math.floor(random() * 3 * 365 * 24) * 3600 * 1000;
    const d = new Date(ms);
    // Every fourth time is written with an offset: the same instant, parts taken in UTC.
    const text =
      i % 4 === 0
        ? new Date(ms - 2 * 3600 * 1000).toISOString().replace(".000Z", "-02:00")
        : d.toISOString().replace(".000Z", "Z");
    const v = Number((random() * 10).toFixed(3));
    const y = 1 + 0.5 * v + 0.3 * (d.getUTCMonth() + 1) - 0.2 * d.getUTCHours() + random() * 0.1;
    when.push(text);
    x.push(v);
    lines.push(`${text},${v},${y.toFixed(4)}`);
  }
  return { csv: lines.join("\n") + "\n", when, x };
}

const dataSpec = (file: string) =>
  `file: ${file}\ncolumns:\n  - { name: when, type: date }\n  - { name: x, type: number }\n  - { name: y, type: number, nullable: true }\nsplit: { test: 0.25, salt: t }\n`;
const modelSpec = (expand: string) =>
  `data: data.yml\ntarget: y\nfeatures:\n  - x\n  - { name: when, expand: ${expand} }\nmetrics: { bootstrap: { samples: 20 } }\n`;

const cli = (args: string[]) => runCli(project!.root, args);

describe("an expanded date feature", () => {
  it("trains the same model in run and train, and predict scores with its parts in UTC", async () => {
    const data = rows();
    project = tempProject({
      "modelgate.yml": "models:\n  m: model.yml\n",
      "data.yml": dataSpec("data.csv"),
      "data.csv": data.csv,
      "model.yml": modelSpec("[year, month, dayOfWeek, hour]"),
    });
    const run = await cli(["run", "--out", "out"]);
    expect(run.code, run.err).toBe(0);
    expect((await cli(["train", "--out", "trained"])).code).toBe(0);
    const runModel = readFileSync(project.file("out/models/m.json"), "utf8");
    expect(readFileSync(project.file("trained/m.json"), "utf8")).toBe(runModel);

    const model = parseModelFile(runModel, "m.json");
    expect(Object.keys(model.coefficients).sort()).toEqual(
      ["when.dayOfWeek", "when.hour", "when.month", "when.year", "x"].sort(),
    );
    // The parts carry the signal the data was made with.
    expect(model.coefficients["when.month"]).toBeCloseTo(0.3, 1);
    expect(model.coefficients["when.hour"]).toBeCloseTo(-0.2, 1);
    const report = reportSchema.parse(JSON.parse(readFileSync(project.file("out/report.json"), "utf8")));
    expect(report.models[0]!.explanations.map((e) => e.feature)).toEqual(["x", "when"]);
    expect(report.models[0]!.explanations[1]!.terms.map((t) => t.term)).toEqual([
      "when.year",
      "when.month",
      "when.dayOfWeek",
      "when.hour",
    ]);

    const predicted = await cli(["predict", "--model", "out/models/m.json", "--data", "data.csv"]);
    expect(predicted.code, predicted.err).toBe(0);
    const [header, ...lines] = predicted.out.trim().split("\n");
    expect(header).toBe("row,prediction");
    const c = model.coefficients;
    lines.forEach((line, i) => {
      const d = new Date(data.when[i]!);
      const expected =
        model.intercept! +
        c["x"]! * data.x[i]! +
        c["when.year"]! * d.getUTCFullYear() +
        c["when.month"]! * (d.getUTCMonth() + 1) +
        c["when.dayOfWeek"]! * (d.getUTCDay() === 0 ? 7 : d.getUTCDay()) +
        c["when.hour"]! * d.getUTCHours();
      expect(Number(line.split(",")[1]), `row ${i + 1}`).toBeCloseTo(expected, 8);
    });

    // The ONNX export computes the parts in its graph: the same predictions over two centuries.
    const exported = await cli(["export", "--from", "out/models/m.json", "--out", "m.onnx"]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toContain("inputs, each [N, 1]: x (double), when (double)");
    const instants = [
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 0, 1),
      Date.UTC(1969, 11, 31, 23),
      Date.UTC(1900, 2, 1),
      Date.UTC(2100, 1, 28, 12),
      NaN,
    ];
    let seed = 3;
    const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
    for (let i = 0; i < 3000; i++)
      instants.push(Math.round(Date.UTC(1900, 0, 1) + random() * 200 * 365.25 * 86400000));
    const xs = instants.map((_, i) => i % 7);
    const ort = await import("onnxruntime-node");
    const session = await ort.InferenceSession.create(readFileSync(project.file("m.onnx")));
    const n = instants.length;
    const result = await session.run({
      when: new ort.Tensor("float64", Float64Array.from(instants), [n, 1]),
      x: new ort.Tensor("float64", Float64Array.from(xs), [n, 1]),
    });
    await session.release();
    const onnx = result["prediction"]!.data as Float64Array;
    const fill = (part: string) =>
      model.pipeline.features.find((f) => f.kind === "numeric" && f.part === part)!.fill as number;
    instants.forEach((ms, i) => {
      const d = new Date(ms);
      const value = (part: string, v: number) => c[`when.${part}`]! * (Number.isNaN(ms) ? fill(part) : v);
      const expected =
        model.intercept! +
        c["x"]! * xs[i]! +
        value("year", d.getUTCFullYear()) +
        value("month", d.getUTCMonth() + 1) +
        value("dayOfWeek", d.getUTCDay() === 0 ? 7 : d.getUTCDay()) +
        value("hour", d.getUTCHours());
      expect(onnx[i], new Date(ms).toString()).toBeCloseTo(expected, 6);
    });
  });

  it("is validated: a date only, known parts with a did-you-mean, each once", async () => {
    project = tempProject({
      "modelgate.yml": "models:\n  m: model.yml\n",
      "data.yml": dataSpec("data.csv"),
      "data.csv": rows().csv,
      "model.yml": modelSpec("[month, dayofweek]"),
    });
    const misspelt = await cli(["validate"]);
    expect(misspelt.code).toBe(2);
    expect(misspelt.err).toMatch(/model.yml:5:\d+: .*dayofweek[\s\S]*did you mean "dayOfWeek"/);

    project.write("model.yml", modelSpec("[month, month]"));
    expect((await cli(["validate"])).err).toContain('the part "month" of "when" is listed twice');

    project.write(
      "model.yml",
      "data: data.yml\ntarget: y\nfeatures:\n  - { name: x, expand: [month] }\n  - when\n",
    );
    expect((await cli(["validate"])).err).toContain(
      'only a date feature expands to its parts; "x" is number',
    );
  });
});
