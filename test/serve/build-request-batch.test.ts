import { describe, expect, it } from "vitest";
import type { CategoryVector, NumericVector, StringVector } from "../../src/data/row-batch.js";
import { dataSpecSchema } from "../../src/project/schemas.js";
import { buildRequestBatch, releaseRequestBatch } from "../../src/serve/build-request-batch.js";
import type { TabularRequest } from "../../src/serve/decode-request.js";
import { RequestError } from "../../src/serve/request-error.js";
import type { ServedModel } from "../../src/serve/served-model.js";

const spec = dataSpecSchema.parse({
  file: "rows.csv",
  columns: [
    { name: "x", type: "number", min: 0 },
    { name: "colour", type: "category" },
    { name: "origin", type: "category", values: ["USA", "Japan"] },
  ],
});

/** Only what buildRequestBatch reads of a served version. */
function served(): ServedModel {
  return {
    dataSpec: spec,
    features: ["x", "colour", "origin"],
    unscorable: () => null,
  } as unknown as ServedModel;
}

function request(rows: Record<string, unknown[]>): TabularRequest {
  const columns = new Map(Object.entries(rows));
  return { rows: columns.values().next().value!.length, columns };
}

const x = (b: ReturnType<typeof buildRequestBatch>) => Array.from((b.columns[0] as NumericVector).values);
const levels = (b: ReturnType<typeof buildRequestBatch>, c: number) => {
  const col = b.columns[c] as CategoryVector;
  return Array.from(col.codes, (code) => col.levels[code]);
};

describe("buildRequestBatch, one served version answering request after request", () => {
  it("gives each request the levels of its own open categories, and keeps earlier batches intact", () => {
    const model = served();
    const first = buildRequestBatch(
      request({ x: [1, 2], colour: ["red", "blue"], origin: ["USA", "Japan"] }),
      model,
    );
    const second = buildRequestBatch(request({ x: [3], colour: ["green"], origin: ["Japan"] }), model);
    expect((second.columns[1] as CategoryVector).levels).toEqual(["green"]);
    expect(levels(second, 1)).toEqual(["green"]);
    // The first batch is not touched by the second request.
    expect(x(first)).toEqual([1, 2]);
    expect((first.columns[1] as CategoryVector).levels).toEqual(["red", "blue"]);
    expect(levels(first, 2)).toEqual(["USA", "Japan"]);
    expect(first.length).toBe(2);
    expect(second.length).toBe(1);
  });

  it("reads a request after a refused one as if it came first", () => {
    const model = served();
    expect(() =>
      buildRequestBatch(request({ x: [-1, 2], colour: ["red", null], origin: ["France", "USA"] }), model),
    ).toThrow(RequestError);
    const ok = buildRequestBatch(request({ x: [5], colour: ["red"], origin: ["USA"] }), model);
    expect(x(ok)).toEqual([5]);
    expect(levels(ok, 2)).toEqual(["USA"]);
  });

  it("reads the same cells the same way once batches are released and their arrays reused", () => {
    const model = served();
    const rows = { x: [0.5, 7], colour: ["a", "b"], origin: ["Japan", "USA"] };
    const first = buildRequestBatch(request(rows), model);
    const expected = { x: x(first), colour: levels(first, 1), origin: levels(first, 2) };
    releaseRequestBatch(first);
    for (let k = 0; k < 3; k++) {
      const again = buildRequestBatch(request(rows), model);
      expect({ x: x(again), colour: levels(again, 1), origin: levels(again, 2) }).toEqual(expected);
      releaseRequestBatch(again);
    }
  });

  it("reads a large request (past the pooled sizes) like a small one", () => {
    const n = 100;
    const big = buildRequestBatch(
      request({
        x: Array.from({ length: n }, (_, i) => i),
        colour: Array.from({ length: n }, (_, i) => `c${i % 3}`),
        origin: Array.from({ length: n }, (_, i) => (i % 2 ? "USA" : "Japan")),
      }),
      served(),
    );
    expect(big.length).toBe(n);
    expect(x(big)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(levels(big, 1).slice(0, 4)).toEqual(["c0", "c1", "c2", "c0"]);
  });

  it("never gives one set of arrays to two requests, even when a batch is released twice", () => {
    const model = served();
    const first = buildRequestBatch(request({ x: [1], colour: ["a"], origin: ["USA"] }), model);
    releaseRequestBatch(first);
    releaseRequestBatch(first);
    const second = buildRequestBatch(request({ x: [2], colour: ["b"], origin: ["Japan"] }), model);
    const third = buildRequestBatch(request({ x: [3], colour: ["c"], origin: ["USA"] }), model);
    expect([x(second), x(third)]).toEqual([[2], [3]]);
    expect([levels(second, 2), levels(third, 2)]).toEqual([["Japan"], ["USA"]]);
  });

  it("gives a refused request's arrays back, and the next request reads as if it came first", () => {
    const model = served();
    for (let k = 0; k < 3; k++)
      expect(() => buildRequestBatch(request({ x: [-1], colour: ["a"], origin: ["USA"] }), model)).toThrow(
        RequestError,
      );
    const ok = buildRequestBatch(request({ x: [4, 5], colour: ["b", "a"], origin: ["USA", "USA"] }), model);
    expect(x(ok)).toEqual([4, 5]);
    expect(levels(ok, 1)).toEqual(["b", "a"]);
  });

  it("copies a string column's values out of the arrays it reuses", () => {
    const withText = dataSpecSchema.parse({
      file: "rows.csv",
      columns: [
        { name: "x", type: "number" },
        { name: "note", type: "string" },
      ],
    });
    const model = { dataSpec: withText, features: ["x"], unscorable: () => null } as unknown as ServedModel;
    const first = buildRequestBatch(request({ x: [1], note: ["one"] }), model);
    const firstNotes = (first.columns[1] as StringVector).values;
    releaseRequestBatch(first);
    const second = buildRequestBatch(request({ x: [2], note: ["two"] }), model);
    expect(firstNotes).toEqual(["one"]);
    expect((second.columns[1] as StringVector).values).toEqual(["two"]);
    expect(x(second)).toEqual([2]);
  });
});
