/**
 * The exported files pass ONNX's own checker (Debian's python3-onnx, `onnx.checker.check_model`
 * with full shape inference), and declare the inputs and outputs the export documents.
 * Without Python's onnx package (.ci/run installs python3-onnx) the test fails, naming it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { memoryIo } from "../../../cli/io.js";
import { main } from "../../../cli/main.js";
import { exportOnnx } from "../../../src/model/export-onnx/index.js";
import { category, modelOf, numeric, options } from "./made-up-models.js";

const PYTHON = "/usr/bin/python3";

const CHECK = `
import json, sys
import onnx
out = []
for file in sys.argv[1:]:
    model = onnx.load(file)
    onnx.checker.check_model(model, full_check=True)
    def signature(values):
        return [[v.name, onnx.TensorProto.DataType.Name(v.type.tensor_type.elem_type),
                 [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]] for v in values]
    out.append({
        "ir": model.ir_version,
        "opsets": {o.domain: o.version for o in model.opset_import},
        "producer": model.producer_name,
        "inputs": signature(model.graph.input),
        "outputs": signature(model.graph.output),
        "metadata": {p.key: p.value for p in model.metadata_props},
    })
print(json.dumps(out))
`;

interface Checked {
  ir: number;
  opsets: Record<string, number>;
  producer: string;
  inputs: [string, string, (string | number)[]][];
  outputs: [string, string, (string | number)[]][];
  metadata: Record<string, string>;
}

function check(files: string[]): Checked[] {
  const run = spawnSync(PYTHON, ["-c", CHECK, ...files], { encoding: "utf8" });
  if (run.status !== 0)
    throw new Error(
      `onnx.checker failed (exit ${run.status}; without python3-onnx, apt-get install python3-onnx):\n${run.stderr}`,
    );
  return JSON.parse(run.stdout) as Checked[];
}

const dir = mkdtempSync(path.join(tmpdir(), "modelgate-onnx-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("onnx.checker on exported models", () => {
  it("accepts every kind of step and declares the documented signature", () => {
    const models = {
      regression: modelOf(
        [
          numeric("when", "date", "mean", 30, 2),
          numeric("flag", "boolean", "constant", 0),
          numeric("x", "number", "none", null, 3),
          category("c", ["a", "b", "c"], "constant", "other", "a"),
        ],
        { when: 1, "when^2": 0.5, flag: -1, x: 2, "x^2": 0.1, "x^3": 0.01, "c=b": 3, "c=c": 4 },
      ),
      classification: modelOf(
        [category("c", ["a", "b"], "none", null, null), numeric("x", "integer", "median", 4)],
        { "c=a": 1, "c=b": -1, x: 0.2 },
        { intercept: null, task: "classification", threshold: 0.3 },
      ),
      "no-terms": modelOf([category("c", ["only"], "most_frequent", "only", "only")], {}, { intercept: 2 }),
    };
    const files = Object.entries(models).map(([name, model]) => {
      const file = path.join(dir, `${name}.onnx`);
      writeFileSync(file, exportOnnx(model, options));
      return file;
    });
    const [regression, classification, noTerms] = check(files);
    expect(regression!.inputs).toEqual([
      ["when", "DOUBLE", ["N", 1]],
      ["flag", "DOUBLE", ["N", 1]],
      ["x", "DOUBLE", ["N", 1]],
      ["c", "STRING", ["N", 1]],
    ]);
    expect(regression!.outputs).toEqual([["prediction", "DOUBLE", ["N", 1]]]);
    expect(regression!.opsets).toEqual({ "": 17, "ai.onnx.ml": 2 });
    expect(regression!.ir).toBe(8);
    expect(regression!.producer).toBe("modelgate");
    expect(regression!.metadata).toMatchObject({ "modelgate.model": "m", "modelgate.task": "regression" });
    expect(classification!.outputs).toEqual([
      ["probability", "DOUBLE", ["N", 1]],
      ["label", "INT64", ["N", 1]],
    ]);
    expect(classification!.metadata["modelgate.positive_class"]).toBe("yes");
    expect(noTerms!.outputs).toEqual([["prediction", "DOUBLE", ["N", 1]]]);
  });

  it("accepts the examples' models as exported by the command line", { timeout: 60_000 }, async () => {
    const files: string[] = [];
    for (const [example, name] of [
      ["cars", "mpg"],
      ["credit", "credit-risk"],
    ] as const) {
      const config = path.resolve("examples", example, "modelgate.yml");
      const io = memoryIo();
      expect(await main(["train", "--config", config, "--model", name, "--out", dir], io)).toBe(0);
      const file = path.join(dir, `${name}-example.onnx`);
      expect(await main(["export", "--model", name, "--from", dir, "--out", file], io)).toBe(0);
      files.push(file);
    }
    const [cars, credit] = check(files);
    expect(cars!.opsets).toEqual({ "": 17, "ai.onnx.ml": 2 });
    expect(cars!.inputs.map((i) => i[0])).toEqual([
      "Weight_in_lbs",
      "Horsepower",
      "Displacement",
      "Acceleration",
      "Cylinders",
      "Year",
      "Origin",
    ]);
    expect(credit!.outputs.map((o) => o[0])).toEqual(["probability", "label"]);
    expect(credit!.inputs.find((i) => i[0] === "checking")).toEqual(["checking", "STRING", ["N", 1]]);
  });
});
