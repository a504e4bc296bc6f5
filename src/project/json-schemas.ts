/** JSON Schemas of the spec files, generated from the zod schemas (the one source of truth). */
import { z } from "zod";
import { registrySchema } from "../registry/registry-document.js";
import { anyReportSchema } from "../report/any-report-schema.js";
import { modelFileSchema } from "../model/model-file.js";
import { dataSpecSchema, modelSpecSchema, projectSchema } from "./schemas.js";

const BASE = "https://modelgate.dev/schemas";

/**
 * File name (under `schemas/`) -> JSON Schema: the three spec files (input form, for editors via
 * `yaml-language-server`), and the files modelgate writes (report.json, model files, registry.json).
 */
export function specJsonSchemas(): Record<string, object> {
  const make = (schema: z.ZodType, id: string, title: string, io: "input" | "output" = "input") => ({
    ...z.toJSONSchema(schema, { io, target: "draft-2020-12", unrepresentable: "any" }),
    $id: `${BASE}/${id}`,
    title,
  });
  return {
    "modelgate.schema.json": make(projectSchema, "modelgate.schema.json", "modelgate.yml"),
    "data.schema.json": make(dataSpecSchema, "data.schema.json", "modelgate data spec"),
    "model.schema.json": make(modelSpecSchema, "model.schema.json", "modelgate model spec"),
    "report.schema.json": make(anyReportSchema, "report.schema.json", "modelgate report.json", "output"),
    "model-file.schema.json": make(
      modelFileSchema,
      "model-file.schema.json",
      "modelgate model file",
      "output",
    ),
    "registry.schema.json": make(registrySchema, "registry.schema.json", "modelgate registry.json", "output"),
  };
}
