import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import {
  emptyRegistry,
  parseRegistry,
  registryJsonSchema,
  serialiseRegistry,
} from "../../src/registry/registry-document.js";
import { promote } from "../../src/registry/registry-transitions.js";

const sha = (c: string) => c.repeat(40);
const hash = (c: string) => c.repeat(64);

const oneVersion = promote(emptyRegistry(), {
  model: "cars",
  modelFile: "{}\n",
  headSha: sha("1"),
  pr: 7,
  mergeCommit: sha("2"),
  actor: "octocat",
  at: "2024-05-01T12:00:00Z",
  specHash: hash("a"),
  dataHash: hash("b"),
  metrics: { rmse: 3.25 },
  alias: "production",
}).registry;

const problemsOf = (text: string) => {
  try {
    parseRegistry(text, ".modelgate/registry.json");
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  throw new Error("expected an InputError");
};

describe("serialiseRegistry", () => {
  it("writes canonical JSON: sorted keys, 2-space indent, final newline", () => {
    const text = serialiseRegistry(oneVersion);
    expect(text).toBe(`{
  "models": {
    "cars": {
      "aliases": {
        "production": 1
      },
      "events": [
        {
          "action": "register",
          "actor": "octocat",
          "at": "2024-05-01T12:00:00Z",
          "headSha": "${sha("1")}",
          "pr": 7,
          "version": 1
        },
        {
          "action": "move",
          "actor": "octocat",
          "alias": "production",
          "at": "2024-05-01T12:00:00Z",
          "from": null,
          "headSha": "${sha("1")}",
          "pr": 7,
          "to": 1
        }
      ],
      "versions": [
        {
          "createdAt": "2024-05-01T12:00:00Z",
          "dataHash": "${hash("b")}",
          "file": "models/cars/v1.json",
          "headSha": "${sha("1")}",
          "mergeCommit": "${sha("2")}",
          "metrics": {
            "rmse": 3.25
          },
          "modelSha256": "ca3d163bab055381827226140568f3bef7eaac187cebd76878e0b63e9e442356",
          "pr": 7,
          "specHash": "${hash("a")}",
          "version": 1
        }
      ]
    }
  },
  "schemaVersion": 1
}
`);
  });

  it("is byte-stable through a parse", () => {
    const text = serialiseRegistry(oneVersion);
    expect(serialiseRegistry(parseRegistry(text))).toBe(text);
  });
});

describe("parseRegistry", () => {
  it("reads an empty registry", () => {
    expect(parseRegistry('{"schemaVersion": 1, "models": {}}')).toEqual(emptyRegistry());
  });

  it("locates JSON syntax errors by line and column", () => {
    const [p] = problemsOf('{\n  "schemaVersion": 1,\n  "models": {,}\n}\n');
    expect(p).toMatchObject({ file: ".modelgate/registry.json", line: 3, column: 14 });
    expect(p!.message).toMatch(/^registry.json is not valid JSON/);
  });

  it("names the place of each schema problem", () => {
    const doc = JSON.parse(serialiseRegistry(oneVersion));
    doc.models.cars.versions[0].createdAt = "last tuesday";
    doc.models.cars.events[1].action = "delete";
    doc.models.Cars = doc.models.cars;
    const messages = problemsOf(JSON.stringify(doc)).map((p) => p.message);
    expect(messages).toContain(
      "models.cars.versions[0].createdAt: expected an ISO 8601 time, e.g. 2024-05-01T12:00:00Z",
    );
    expect(messages.some((m) => m.startsWith("models.cars.events[1].action: "))).toBe(true);
    expect(messages).toContain(
      `models.Cars: "Cars" is not a valid model name: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  });

  it("says which schema version it reads", () => {
    const [p] = problemsOf('{"schemaVersion": 2, "models": {}}');
    expect(p!.message).toMatch(/^schemaVersion: /);
    expect(p!.hint).toBe("this version of modelgate reads registry schemaVersion 1");
  });

  it("finds renumbered versions, misplaced files, duplicate head commits and dangling aliases", () => {
    const doc = JSON.parse(serialiseRegistry(oneVersion));
    const v1 = doc.models.cars.versions[0];
    doc.models.cars.versions.push({ ...v1, version: 3, file: "models/cars/v2.json" });
    doc.models.cars.aliases.staging = 5;
    const messages = problemsOf(JSON.stringify(doc)).map((p) => p.message);
    expect(messages).toEqual([
      "models.cars.versions[1] is version 3, expected 2",
      'models.cars.versions[1].file is "models/cars/v2.json", expected "models/cars/v3.json"',
      `models.cars: versions 1 and 3 have the same head commit ${sha("1")}`,
      "models.cars.aliases.staging points to version 5, but cars has versions 1-2",
    ]);
  });
});

describe("registryJsonSchema", () => {
  it("accepts what the transitions write and refuses what parsing refuses", () => {
    const Ajv = Ajv2020 as unknown as typeof Ajv2020.default;
    const ajv = new Ajv({ strict: false });
    (addFormats as unknown as typeof addFormats.default)(ajv);
    const validate = ajv.compile(registryJsonSchema());
    expect(validate(JSON.parse(serialiseRegistry(oneVersion)))).toBe(true);
    expect(
      validate({
        schemaVersion: 1,
        models: { cars: { versions: [], aliases: {}, events: [{ action: "delete" }] } },
      }),
    ).toBe(false);
  });
});
