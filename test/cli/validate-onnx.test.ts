/** `modelgate validate` on a spec whose model is an ONNX file: good ones described, bad ones refused with exit 2. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { memoryIo } from "../../cli/io.js";
import { tempProject, type TempProject } from "../helpers/temp-project.js";
import { FIXTURES, fixtureBytes } from "../model/onnx/onnx-fixtures.js";

let project: TempProject | undefined;
afterEach(() => project?.remove());

/** A project over linear-f64.csv (x1..x4, target y = the fixture's expected) whose model is `onnx`. */
function onnxProject(
  onnx: Uint8Array,
  features = ["x1", "x2", "x3", "x4"],
  algorithm = "{ type: onnx, file: model.onnx }",
) {
  const csv = readFileSync(path.join(FIXTURES, "linear-f64.csv"), "utf8").replace("expected", "y");
  return tempProject({
    "modelgate.yml": "models:\n  lin: models/lin.yml\n",
    "models/lin.yml": [
      "data: ../data/lin.yml",
      "target: y",
      `features: [${features.join(", ")}]`,
      `algorithm: ${algorithm}`,
      "",
    ].join("\n"),
    "models/model.onnx": onnx,
    "data/lin.yml": [
      "file: lin.csv",
      "columns:",
      ...["x1", "x2", "x3", "x4", "y"].map((c) => `  - { name: ${c}, type: number }`),
      "",
    ].join("\n"),
    "data/lin.csv": csv,
  });
}

async function validate(root: string) {
  const io = memoryIo(root);
  const code = await main(["validate"], io);
  return { code, out: io.stdout, err: io.stderr };
}

describe("modelgate validate with an ONNX model", () => {
  it("describes the model: sha256, producer, opsets, inputs, output", async () => {
    project = onnxProject(fixtureBytes("linear-f64"));
    const r = await validate(project.root);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}onnx {7}models\/model\.onnx {2}sha256 [0-9a-f]{64}$/m);
    expect(r.out).toContain("producer   modelgate-fixtures 1");
    expect(r.out).toContain("opsets     ai.onnx 17, ai.onnx.ml 1, IR version 8");
    expect(r.out).toContain("inputs     one input features [N, 4] double, fed with the features in order");
    expect(r.out).toContain("output     variable double");
    expect(r.out).toContain("ok: 1 model valid");
  });

  const bad: [string, () => TempProject, RegExp][] = [
    [
      "too few features",
      () => onnxProject(fixtureBytes("linear-f64"), ["x1", "x2", "x3"]),
      /input features takes 4 features per row; the spec lists 3/,
    ],
    [
      "wrong input names",
      () => onnxProject(fixtureBytes("per-column"), ["x1", "x2", "x3"]),
      /input width, doors, color is not a feature of the spec/,
    ],
    [
      "a custom operator",
      () => onnxProject(fixtureBytes("custom-op"), ["x1", "x2"]),
      /uses custom operator com\.example:Magic/,
    ],
    [
      "external data",
      () => onnxProject(fixtureBytes("external-data"), ["x1", "x2"]),
      /keeps its data in another file \(external data\)/,
    ],
    [
      "a truncated file",
      () => onnxProject(fixtureBytes("linear-f64").subarray(0, 100)),
      /is not a readable ONNX model: .*truncated/,
    ],
    [
      "a 0-byte file",
      () => onnxProject(new Uint8Array(0)),
      /is not a readable ONNX model: the file is empty \(0 bytes\)/,
    ],
    [
      "an output it does not have",
      () =>
        onnxProject(fixtureBytes("linear-f64"), undefined, "{ type: onnx, file: model.onnx, output: score }"),
      /has no output named score/,
    ],
  ];
  it.each(bad)(
    "refuses %s with exit 2, naming the file, without a stack trace",
    async (_what, make, message) => {
      project = make();
      const r = await validate(project.root);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^models\/model\.onnx: /m);
      expect(r.err).toMatch(message);
      expect(r.err).toContain("hint: ");
      expect(r.err).not.toMatch(/\n\s+at /);
    },
  );

  it("refuses a missing model file, located in the spec", async () => {
    project = onnxProject(fixtureBytes("linear-f64"), undefined, "{ type: onnx, file: nowhere.onnx }");
    const r = await validate(project.root);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^models\/lin\.yml:4:\d+: the ONNX model "nowhere\.onnx" does not exist/m);
  });
});
