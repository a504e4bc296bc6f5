import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** A JSON Schema object as it appears in GitHub's OpenAPI description (after normalising). */
export type JsonSchema = Record<string, unknown>;

/** One parameter of an operation, with `$ref`s already resolved. */
export interface OperationParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: JsonSchema;
  /** JSON pointer of `schema` in the document, for error messages. */
  pointer: string;
}

/** One operation of the REST description: method, path template and the parts we validate. */
export interface RestOperation {
  operationId: string;
  method: string;
  path: string;
  /** JSON pointer of the operation in the document. */
  pointer: string;
  parameters: OperationParameter[];
  requestBody?: { required: boolean; schema: JsonSchema; pointer: string };
  /** Response body schema (and its pointer) by status code; `null` when the status has no JSON body. */
  responses: Map<string, { schema: JsonSchema; pointer: string } | null>;
}

/** The loaded description: the normalised document (for ajv) and the operations by id. */
export interface RestSpec {
  document: JsonSchema;
  operations: Map<string, RestOperation>;
}

/** The `$id` the whole document is registered under in ajv; every `$ref` is rewritten against it. */
export const SPEC_ID = "api.github.com.json";

let cached: RestSpec | undefined;

/**
 * Loads `@octokit/openapi`'s api.github.com description once per process. Only this one file is read
 * (the package index would load every GitHub flavour, hundreds of megabytes).
 */
export function loadRestSpec(): RestSpec {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
  const document = JSON.parse(readFileSync(file, "utf8")) as JsonSchema;
  normaliseSchemas(document);
  cached = { document, operations: indexOperations(document) };
  return cached;
}

/**
 * Rewrites OpenAPI 3.0 dialect into JSON Schema that ajv understands: `nullable: true` becomes a
 * `null` type (or an `anyOf` with null where the schema has no `type`, e.g. `allOf` + `nullable`),
 * and local `$ref`s point into the registered document so any fragment compiles on its own.
 */
function normaliseSchemas(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) normaliseSchemas(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as JsonSchema;
  for (const value of Object.values(schema)) normaliseSchemas(value);
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    schema.$ref = SPEC_ID + schema.$ref;
  }
  if (schema.nullable === true) {
    delete schema.nullable;
    if (typeof schema.type === "string") {
      schema.type = [schema.type, "null"];
      if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum.push(null);
    } else {
      const inner = { ...schema };
      for (const key of Object.keys(schema)) delete schema[key];
      schema.anyOf = [inner, { type: "null" }];
    }
  }
}

const METHODS = ["get", "put", "post", "patch", "delete", "head"];

function indexOperations(document: JsonSchema): Map<string, RestOperation> {
  const components = document.components as Record<string, Record<string, JsonSchema>>;
  // Follows `$ref`s and keeps the JSON pointer of what it lands on.
  const resolve = (value: JsonSchema, pointer: string): { value: JsonSchema; pointer: string } => {
    const ref = value.$ref;
    if (typeof ref !== "string") return { value, pointer };
    const [, kind, name] = ref.slice(SPEC_ID.length + 2).split("/");
    const target = components[kind ?? ""]?.[name ?? ""];
    if (!target) throw new Error(`OpenAPI description: unresolved ${ref}`);
    return resolve(target, ref.slice(SPEC_ID.length + 1));
  };
  const operations = new Map<string, RestOperation>();
  const paths = document.paths as Record<string, Record<string, JsonSchema>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op || typeof op.operationId !== "string") continue;
      const at = `#/paths/${path.replace(/~/g, "~0").replace(/\//g, "~1")}/${method}`;
      const parameters = ((op.parameters as JsonSchema[] | undefined) ?? []).map((raw, i) => {
        const { value: p, pointer } = resolve(raw, `${at}/parameters/${i}`);
        return {
          name: String(p.name),
          in: p.in as OperationParameter["in"],
          required: p.required === true,
          schema: (p.schema as JsonSchema | undefined) ?? {},
          pointer: `${pointer}/schema`,
        };
      });
      const body = op.requestBody ? resolve(op.requestBody as JsonSchema, `${at}/requestBody`) : undefined;
      const bodySchema = body ? jsonSchemaOf(body.value, body.pointer) : undefined;
      const responses = new Map<string, { schema: JsonSchema; pointer: string } | null>();
      for (const [status, raw] of Object.entries((op.responses as Record<string, JsonSchema>) ?? {})) {
        const r = resolve(raw, `${at}/responses/${status}`);
        responses.set(status, jsonSchemaOf(r.value, r.pointer) ?? null);
      }
      operations.set(op.operationId, {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        pointer: at,
        parameters,
        ...(bodySchema ? { requestBody: { required: body?.value.required === true, ...bodySchema } } : {}),
        responses,
      });
    }
  }
  return operations;
}

function jsonSchemaOf(
  holder: JsonSchema,
  pointer: string,
): { schema: JsonSchema; pointer: string } | undefined {
  const content = holder.content as Record<string, { schema?: JsonSchema }> | undefined;
  if (!content) return undefined;
  const type = content["application/json"]
    ? "application/json"
    : Object.keys(content).find((t) => t.includes("json"));
  const schema = type ? content[type]?.schema : undefined;
  return schema ? { schema, pointer: `${pointer}/content/${type?.replace(/\//g, "~1")}/schema` } : undefined;
}
