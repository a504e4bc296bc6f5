/** A version records which data trained it: the file and, for data fetched by a step, its pin. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { emptyRegistry, parseRegistry, serialiseRegistry } from "../../src/registry/registry-document.js";
import { promote, versionData } from "../../src/registry/registry-transitions.js";

const hex = (s: string, algorithm = "sha256") => createHash(algorithm).update(s).digest("hex");

const request = (data?: ReturnType<typeof versionData>) => ({
  model: "cars",
  alias: "production",
  modelFile: '{\n  "coefficients": [1]\n}\n',
  headSha: hex("head").slice(0, 40),
  pr: 3,
  mergeCommit: hex("merge").slice(0, 40),
  actor: "octocat",
  at: "2024-05-01T12:00:00Z",
  specHash: hex("spec"),
  dataHash: hex("data"),
  metrics: { rmse: 1 },
  ...(data ? { data } : {}),
});

describe("a version's data", () => {
  it("records the file and a DVC pin from the report's data, and reads back", () => {
    const pin = { kind: "dvc" as const, dvcFile: "data/train.csv.dvc", md5: hex("x", "md5") };
    const change = promote(emptyRegistry(), request(versionData({ file: "data/train.csv", pin })));
    const version = change.registry.models["cars"]!.versions[0]!;
    expect(version).toMatchObject({ dataHash: hex("data"), dataFile: "data/train.csv", dataPin: pin });
    const again = parseRegistry(serialiseRegistry(change.registry), "registry.json");
    expect(again.models["cars"]!.versions[0]!.dataPin).toEqual(pin);
  });

  it("records no pin for unpinned data, and nothing for a request without data (older reports)", () => {
    const plain = promote(emptyRegistry(), request(versionData({ file: "d.csv", pin: undefined })));
    expect(plain.registry.models["cars"]!.versions[0]!).toMatchObject({ dataFile: "d.csv" });
    expect(plain.registry.models["cars"]!.versions[0]!.dataPin).toBeUndefined();
    const none = promote(emptyRegistry(), request()).registry.models["cars"]!.versions[0]!;
    expect("dataFile" in none || "dataPin" in none).toBe(false);
  });

  it("refuses a registry whose pin is malformed", () => {
    const change = promote(emptyRegistry(), request(versionData({ file: "d.csv", pin: { kind: "sha256" } })));
    const text = serialiseRegistry(change.registry).replace('"kind": "sha256"', '"kind": "md4"');
    expect(() => parseRegistry(text, "registry.json")).toThrow(/dataPin/);
  });
});
