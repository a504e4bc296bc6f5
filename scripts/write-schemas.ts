/** Writes the committed JSON Schemas in schemas/ from the engine's zod schemas. */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { specJsonSchemas } from "../src/project/json-schemas.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = path.join(root, "schemas");
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(specJsonSchemas())) {
  writeFileSync(path.join(dir, name), JSON.stringify(schema, null, 2) + "\n");
  console.log(`wrote schemas/${name}`);
}
