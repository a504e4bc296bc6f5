/** Validates JSON against the JSON Schemas committed in schemas/ (what users and the App read). */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const compiled = new Map<string, ValidateFunction>();

/** The problems of `value` against `schemas/<name>`, as lines; empty when it is valid. */
export function committedSchemaErrors(name: string, value: unknown): string[] {
  let validate = compiled.get(name);
  if (!validate) {
    const file = path.resolve(import.meta.dirname, "../../schemas", name);
    validate = ajv.compile(JSON.parse(readFileSync(file, "utf8")));
    compiled.set(name, validate);
  }
  return validate(value) ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message}`);
}
