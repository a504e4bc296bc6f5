/** JSON Schemas of the spec files, generated from the zod schemas (the one source of truth). */
import { z } from "zod";
import { dataSpecSchema, modelSpecSchema, projectSchema } from "./schemas.js";

const BASE = "https://modelgate.dev/schemas";

/** File name (under `schemas/`) -> JSON Schema, for editors (`yaml-language-server`) and docs. */
export function specJsonSchemas(): Record<string, object> {
  const make = (schema: z.ZodType, id: string, title: string) => ({
    ...z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }),
    $id: `${BASE}/${id}`,
    title,
  });
  return {
    "modelgate.schema.json": make(projectSchema, "modelgate.schema.json", "modelgate.yml"),
    "data.schema.json": make(dataSpecSchema, "data.schema.json", "modelgate data spec"),
    "model.schema.json": make(modelSpecSchema, "model.schema.json", "modelgate model spec"),
  };
}
