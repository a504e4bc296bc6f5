/**
 * Checks exchanges with the server against the Open Inference Protocol's own OpenAPI description
 * (test/fixtures/open-inference-protocol/), the way the GitHub simulator is checked against
 * GitHub's. The description names only the versioned model paths; the unversioned ones (the
 * version is optional in the protocol) use the same operations.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";

const file = path.resolve(
  import.meta.dirname,
  "../fixtures/open-inference-protocol/open_inference_rest.yaml",
);

interface Operation {
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}

const document = parse(readFileSync(file, "utf8")) as {
  paths: Record<string, Record<string, Operation>>;
  components: object;
};
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ $id: "oip", components: document.components });
const compiled = new Map<string, ValidateFunction>();

function validator(key: string, schema: object): ValidateFunction {
  let fn = compiled.get(key);
  if (!fn) {
    // References are `#/components/...` in the document: anchor them at the added schema.
    fn = ajv.compile(
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"oip#/components/')) as object,
    );
    compiled.set(key, fn);
  }
  return fn;
}

/** The documented operation for `method` and a request path, or undefined when none is described. */
export function operationFor(method: string, url: string): { template: string; op: Operation } | undefined {
  const pathname = url.split("?")[0]!;
  for (const [template, ops] of Object.entries(document.paths)) {
    const op = ops[method.toLowerCase()];
    if (!op) continue;
    const pattern = template.replace(/\$\{[A-Z_]+\}/g, "[^/]+");
    const unversioned = pattern.replace("/versions/[^/]+", "");
    if (new RegExp(`^${pattern}$`).test(pathname) || new RegExp(`^${unversioned}$`).test(pathname))
      return { template, op };
  }
  return undefined;
}

/** The problems with one exchange, as readable lines (empty when it conforms). */
export function checkExchange(
  method: string,
  url: string,
  requestBody: unknown,
  status: number,
  responseBody: unknown,
): string[] {
  const found = operationFor(method, url);
  if (!found) return [`${method} ${url} is not in the Open Inference Protocol description`];
  const { template, op } = found;
  const problems: string[] = [];
  const requestSchema = op.requestBody?.content["application/json"]?.schema;
  if (requestSchema && requestBody !== undefined) {
    const fn = validator(`${template} request`, requestSchema);
    if (!fn(requestBody)) problems.push(`request: ${ajv.errorsText(fn.errors)}`);
  }
  // The protocol documents one error object for every failure; an undocumented error status is
  // checked against the operation's documented error response (400).
  const key = op.responses[String(status)] ? String(status) : status >= 400 ? "400" : String(status);
  const response = op.responses[key];
  if (!response) return [...problems, `status ${status} is not documented for ${template}`];
  const schema = response.content?.["application/json"]?.schema;
  if (schema) {
    const fn = validator(`${template} ${key}`, schema);
    if (!fn(responseBody)) problems.push(`response ${status}: ${ajv.errorsText(fn.errors)}`);
  }
  return problems;
}

/** The description's schema for a component, compiled (e.g. `inference_error_response`). */
export function componentValidator(name: string): ValidateFunction {
  return validator(name, { $ref: `#/components/schemas/${name}` });
}
