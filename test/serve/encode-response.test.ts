import { describe, expect, it } from "vitest";
import { inferResponse, invocationsResponse } from "../../src/serve/encode-response.js";
import type { ServedModel } from "../../src/serve/served-model.js";

const model = {
  name: 'mpg "quoted"',
  version: 12,
  outputs: [{ name: "prediction", datatype: "FP64", shape: [-1] }],
} as unknown as ServedModel;

const values = [15.376021071755574, -0, 0, 1e21, 5e-7, -3.25, NaN, Infinity, -Infinity, 2 ** 53 + 2];

describe("responses written as text", () => {
  it("are the text JSON.stringify gives for the Open Inference Protocol object, byte for byte", () => {
    const predictions = Float64Array.from(values);
    const object = (id?: string) => ({
      model_name: model.name,
      model_version: "12",
      ...(id !== undefined ? { id } : {}),
      outputs: [{ name: "prediction", datatype: "FP64", shape: [values.length], data: values }],
    });
    expect(inferResponse(model, predictions)).toBe(JSON.stringify(object()));
    expect(inferResponse(model, predictions, 'req-"1"\n')).toBe(JSON.stringify(object('req-"1"\n')));
    expect(inferResponse(model, new Float64Array(0), "")).toBe(
      JSON.stringify({
        ...object(""),
        outputs: [{ name: "prediction", datatype: "FP64", shape: [0], data: [] }],
      }),
    );
  });

  it("for MLflow too", () => {
    expect(invocationsResponse(Float64Array.from(values))).toBe(JSON.stringify({ predictions: values }));
    expect(invocationsResponse(new Float64Array(0))).toBe('{"predictions":[]}');
  });
});
