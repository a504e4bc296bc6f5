import { describe, expect, it } from "vitest";
import { InputError } from "../../../src/errors.js";
import { checkOnnxBytes, readOnnxModel, type OnnxCheckRequest } from "../../../src/model/onnx/index.js";
import { fixtureBytes } from "./onnx-fixtures.js";

const numeric = (...names: string[]) => names.map((name) => ({ name, kind: "numeric" as const }));

function refusal(name: string | Uint8Array, req: Omit<OnnxCheckRequest, "file">): string {
  const bytes = typeof name === "string" ? fixtureBytes(name) : name;
  try {
    checkOnnxBytes(bytes, { file: "models/model.onnx", ...req });
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    return (error as InputError).message;
  }
  throw new Error("the model was accepted");
}

describe("readOnnxModel", () => {
  it("reads inputs, outputs, opsets, producer and operators", () => {
    const info = readOnnxModel(fixtureBytes("per-column"));
    expect(info.producerName).toBe("modelgate-fixtures");
    expect(info.irVersion).toBe(8);
    expect(info.opsets.get("")).toBe(17);
    expect(info.opsets.get("ai.onnx.ml")).toBe(1);
    expect(info.inputs.map((v) => [v.name, v.type])).toEqual([
      ["width", { kind: "tensor", elementType: 1, shape: ["N", 1] }],
      ["doors", { kind: "tensor", elementType: 7, shape: ["N", 1] }],
      ["color", { kind: "tensor", elementType: 8, shape: ["N", 1] }],
    ]);
    expect([...info.operators].sort()).toEqual([
      ":Add",
      ":Cast",
      ":Concat",
      ":MatMul",
      ":Reshape",
      "ai.onnx.ml:OneHotEncoder",
    ]);
  });

  it("leaves initializers out of the inputs and sees a ZipMap output as a sequence", () => {
    const info = readOnnxModel(fixtureBytes("classifier-zipmap"));
    expect(info.inputs.map((v) => v.name)).toEqual(["features"]);
    expect(info.outputs.map((v) => [v.name, v.type.kind])).toEqual([
      ["label", "tensor"],
      ["output_probability", "sequence"],
    ]);
  });
});

describe("checkOnnxBytes", () => {
  it("binds one 2-D input to the features in order and reads the single output", () => {
    const model = checkOnnxBytes(fixtureBytes("linear-f64"), {
      file: "m.onnx",
      features: numeric("x1", "x2", "x3", "x4"),
      task: "regression",
    });
    expect(model.binding).toEqual({
      input: { kind: "matrix", name: "features", elementType: 11, width: 4 },
      output: { name: "variable", elementType: 11, column: 0, width: 1 },
    });
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("binds one input per column and reads column 1 of the probabilities", () => {
    const columns = checkOnnxBytes(fixtureBytes("per-column"), {
      file: "m.onnx",
      features: [
        { name: "color", kind: "category" },
        { name: "width", kind: "numeric" },
        { name: "doors", kind: "numeric" },
      ],
      task: "regression",
    });
    expect(columns.binding.input).toEqual({
      kind: "columns",
      columns: [
        { name: "color", feature: 0, elementType: 8, rank: 2 },
        { name: "width", feature: 1, elementType: 1, rank: 2 },
        { name: "doors", feature: 2, elementType: 7, rank: 2 },
      ],
    });
    const classifier = checkOnnxBytes(fixtureBytes("classifier-f64"), {
      file: "m.onnx",
      features: numeric("x1", "x2", "x3"),
      task: "classification",
    });
    expect(classifier.binding.output).toEqual({
      name: "probabilities",
      elementType: 11,
      column: 1,
      width: 2,
    });
  });

  it("refuses wrong input names, naming the stranger and the features", () => {
    const message = refusal("per-column", {
      features: [
        { name: "colour", kind: "category" },
        { name: "width", kind: "numeric" },
        { name: "doors", kind: "numeric" },
      ],
      task: "regression",
    });
    expect(message).toMatch(/^models\/model\.onnx: input color is not a feature of the spec/);
    expect(message).toContain("hint: name each model input like the data column");
  });

  it("refuses a numeric column fed to a string input", () => {
    const message = refusal("per-column", {
      features: numeric("width", "doors", "color"),
      task: "regression",
    });
    expect(message).toContain("input color has element type string, but color is a numeric column");
  });

  it("refuses too few features for the 2-D input", () => {
    const message = refusal("linear-f64", { features: numeric("x1", "x2", "x3"), task: "regression" });
    expect(message).toContain("input features takes 4 features per row; the spec lists 3 (x1, x2, x3)");
  });

  it("refuses a category column for a numeric 2-D input", () => {
    const message = refusal("linear-f64", {
      features: [...numeric("x1", "x2", "x3"), { name: "x4", kind: "category" }],
      task: "regression",
    });
    expect(message).toContain("cannot take category column x4");
  });

  it("refuses a custom operator", () => {
    const message = refusal("custom-op", { features: numeric("a", "b"), task: "regression" });
    expect(message).toContain("uses custom operator com.example:Magic");
  });

  it("refuses external data", () => {
    const message = refusal("external-data", { features: numeric("a", "b"), task: "regression" });
    expect(message).toContain("tensor w keeps its data in another file (external data)");
    expect(message).toContain("save_as_external_data=False");
  });

  it("refuses a ZipMap output with the exporter option that avoids it", () => {
    const message = refusal("classifier-zipmap", {
      features: numeric("x1", "x2", "x3"),
      task: "classification",
    });
    expect(message).toContain("output output_probability is a sequence, not a tensor");
    expect(message).toContain("zipmap=False");
  });

  it("refuses an output the model does not have, listing those it has", () => {
    const message = refusal("classifier-f64", {
      features: numeric("x1", "x2", "x3"),
      task: "classification",
      output: "probability",
    });
    expect(message).toContain(
      "has no output named probability (its outputs: label (int64 [N]), probabilities (double [N, 2]))",
    );
  });

  it("refuses a label output as the score", () => {
    const message = refusal("classifier-f64", {
      features: numeric("x1", "x2", "x3"),
      task: "classification",
      output: "label",
    });
    expect(message).toContain("output label has element type int64");
  });

  it("refuses an empty file and every truncation of a model", () => {
    expect(refusal(new Uint8Array(0), { features: numeric("x"), task: "regression" })).toContain(
      "is not a readable ONNX model: the file is empty (0 bytes)",
    );
    const bytes = fixtureBytes("per-column");
    for (let cut = 1; cut < bytes.length; cut++) {
      const message = refusal(bytes.subarray(0, cut), {
        features: [
          { name: "width", kind: "numeric" },
          { name: "doors", kind: "numeric" },
          { name: "color", kind: "category" },
        ],
        task: "regression",
      });
      expect(message).toMatch(/^models\/model\.onnx: /);
    }
  });

  it("refuses bytes that are not ONNX", () => {
    const message = refusal(
      new TextEncoder().encode("version https://git-lfs.github.com/spec/v1\noid sha256:ab\n"),
      {
        features: numeric("x"),
        task: "regression",
      },
    );
    expect(message).toContain("is not a readable ONNX model");
    expect(message).toContain("Git LFS pointer");
  });
});
