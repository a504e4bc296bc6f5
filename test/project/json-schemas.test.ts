import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { specJsonSchemas } from "../../src/project/json-schemas.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("committed JSON Schemas", () => {
  const generated = specJsonSchemas();

  it.each(Object.keys(generated))("schemas/%s is up to date (npm run schemas rewrites it)", (name) => {
    const committed = JSON.parse(readFileSync(path.join(root, "schemas", name), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(generated[name])));
  });

  it("accepts the example specs and refuses an unknown key", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const check = (schema: string, file: string) => {
      const validate = ajv.compile(generated[schema]!);
      const ok = validate(parse(readFileSync(path.join(root, file), "utf8")));
      return ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
    };
    expect(check("modelgate.schema.json", "examples/cars/modelgate.yml")).toEqual([]);
    expect(check("data.schema.json", "examples/cars/data/cars.data.yml")).toEqual([]);
    expect(check("model.schema.json", "examples/cars/models/mpg.model.yml")).toEqual([]);
    const validate = ajv.compile(generated["model.schema.json"]!);
    expect(validate({ data: "d.yml", target: "y", features: ["x"], featurs: [] })).toBe(false);
  });

  it("is referenced from every example spec for editors", () => {
    for (const file of [
      "examples/cars/modelgate.yml",
      "examples/cars/data/cars.data.yml",
      "examples/cars/models/mpg.model.yml",
    ])
      expect(readFileSync(path.join(root, file), "utf8")).toMatch(
        /^# yaml-language-server: \$schema=.*schemas\/\w+\.schema\.json/,
      );
  });
});
