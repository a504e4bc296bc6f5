/** ONNX versions in the registry: their bytes kept beside the model files, pinned by sha256. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/canonical-json.js";
import { InputError } from "../../src/errors.js";
import { emptyRegistry, parseRegistry } from "../../src/registry/registry-document.js";
import type { RegisterRequest } from "../../src/registry/registry-transitions.js";
import { promote, registerVersion, rollback } from "../../src/registry/registry-transitions.js";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % 256);
const pin = (b: Uint8Array) => ({
  file: "cars.onnx",
  sha256: sha256(b),
  bytes: b.length,
  producer: "skl2onnx 1.17",
  opsets: { "ai.onnx": 17, "ai.onnx.ml": 3 },
  inputs: [{ name: "Weight", elementType: "float", feature: "Weight" }],
  output: { name: "variable", elementType: "float", column: 0 },
});
const onnxModelFile = (b: Uint8Array) => canonicalJson({ model: "cars", onnx: pin(b) });

const request = (over: Partial<RegisterRequest> = {}): RegisterRequest => ({
  model: "cars",
  modelFile: onnxModelFile(bytes),
  onnxBytes: bytes,
  headSha: "1".repeat(40),
  pr: 3,
  mergeCommit: "2".repeat(40),
  actor: "octocat",
  at: "2024-05-01T12:00:00Z",
  specHash: "a".repeat(64),
  dataHash: "b".repeat(64),
  metrics: { rmse: 2.5 },
  ...over,
});

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return "(accepted)";
}

describe("an ONNX version", () => {
  it("writes the bytes content-addressed beside the model file and pins them in registry.json", () => {
    const change = promote(emptyRegistry(), { ...request(), alias: "production" });
    const file = `models/cars/${sha256(bytes)}.onnx`;
    expect(change.byteWrites).toEqual([{ path: `.modelgate/${file}`, bytes }]);
    expect(change.writes.map((w) => w.path)).toEqual([
      ".modelgate/models/cars/v1.json",
      ".modelgate/registry.json",
    ]);
    const written = parseRegistry(change.writes[1]!.content, "registry.json");
    expect(written.models.cars!.versions[0]!.onnx).toEqual({ ...pin(bytes), file });
    expect(written.models.cars!.versions[0]!.modelSha256).toBe(sha256(onnxModelFile(bytes)));
    expect(written.models.cars!.aliases.production).toBe(1);

    // A replay changes nothing, bytes included; a rollback writes registry.json only.
    const replay = promote(change.registry, { ...request(), alias: "production" });
    expect([replay.changed, replay.byteWrites ?? []]).toEqual([false, []]);
    const second = promote(change.registry, {
      ...request({ headSha: "3".repeat(40), modelFile: canonicalJson({ coefficients: [1] }) }),
      onnxBytes: undefined as never,
      alias: "production",
    });
    expect(second.byteWrites).toBeUndefined();
    const back = rollback(second.registry, {
      model: "cars",
      alias: "production",
      version: 1,
      actor: "o",
      at: "2024-05-02T12:00:00Z",
    });
    expect([back.writes.map((w) => w.path), back.byteWrites]).toEqual([
      [".modelgate/registry.json"],
      undefined,
    ]);
  });

  it("refuses an ONNX model file without its bytes, or with other bytes", () => {
    const { onnxBytes: _, ...without } = request();
    expect(refusal(() => registerVersion(emptyRegistry(), without))).toMatch(
      /is an ONNX model, but its \.onnx file was not given/,
    );
    const other = bytes.slice();
    other[7]! ^= 1;
    expect(refusal(() => registerVersion(emptyRegistry(), request({ onnxBytes: other })))).toMatch(
      /sha256 .* but its model file pins/,
    );
    expect(
      refusal(() => registerVersion(emptyRegistry(), request({ onnxBytes: bytes.subarray(1) }))),
    ).toMatch(/299 bytes/);
  });

  it("refuses bytes given for a built-in model, and a malformed pin", () => {
    expect(
      refusal(() =>
        registerVersion(emptyRegistry(), request({ modelFile: canonicalJson({ coefficients: [] }) })),
      ),
    ).toMatch(/pins no ONNX model/);
    expect(
      refusal(() =>
        registerVersion(emptyRegistry(), request({ modelFile: canonicalJson({ onnx: { sha256: "zz" } }) })),
      ),
    ).toMatch(/invalid onnx block/);
  });
});
