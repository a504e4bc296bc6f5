import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { loadRestSpec, SPEC_ID, type JsonSchema, type RestOperation } from "./rest-spec.js";

/** One exchange that disagrees with GitHub's OpenAPI description. */
export interface Violation {
  /** Operation id from the description, e.g. `issues/create-comment`; `unrouted` for unknown endpoints. */
  operationId: string;
  direction: "request" | "response";
  /** Which part: `body`, `query.per_page`, `path.owner`, `status`, `endpoint`. */
  location: string;
  /** JSON pointer into the offending value (`/user/login`). */
  instancePath: string;
  /** Where in the description the failing rule sits (`#/components/schemas/simple-user/required`). */
  schemaPath: string;
  message: string;
  /** `METHOD /url` of the exchange, for the reader. */
  request: string;
}

// ajv-formats ships CommonJS; under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

let shared: { ajv: Ajv; compiled: Map<string, ValidateFunction> } | undefined;

/** One ajv instance per process, holding the whole description once; validators compile on first use. */
function compiler(): { ajv: Ajv; compiled: Map<string, ValidateFunction> } {
  if (shared) return shared;
  const spec = loadRestSpec();
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: SPEC_ID, components: spec.document.components }, SPEC_ID);
  shared = { ajv, compiled: new Map() };
  return shared;
}

function validatorFor(key: string, schema: JsonSchema): ValidateFunction {
  const { ajv, compiled } = compiler();
  let fn = compiled.get(key);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

/** Looks up an operation; throws when the simulator routes something GitHub does not describe. */
export function operation(operationId: string): RestOperation {
  const op = loadRestSpec().operations.get(operationId);
  if (!op) throw new Error(`github-sim: no operation ${operationId} in api.github.com.json`);
  return op;
}

/** What a request carried, as the router parsed it. */
export interface RequestParts {
  pathParams: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  request: string;
}

/**
 * Validates path parameters, query parameters and body against the operation. Returns the violations
 * and the parameters converted to the types the description gives (`per_page` as a number).
 */
export function validateRequest(
  operationId: string,
  parts: RequestParts,
): { violations: Violation[]; params: Record<string, unknown> } {
  const op = operation(operationId);
  const violations: Violation[] = [];
  const params: Record<string, unknown> = {};
  for (const p of op.parameters) {
    if (p.in !== "path" && p.in !== "query") continue;
    const raw = p.in === "path" ? parts.pathParams[p.name] : (parts.query.get(p.name) ?? undefined);
    if (raw === undefined) {
      if (p.required) {
        violations.push(
          violation(
            op,
            "request",
            `${p.in}.${p.name}`,
            parts.request,
            "",
            `${SPEC_ID}${p.pointer.replace(/\/schema$/, "")}/required`,
            "is required",
          ),
        );
      }
      continue;
    }
    const value = coerce(raw, p.schema);
    const fn = validatorFor(`${operationId} ${p.in}.${p.name}`, p.schema);
    if (!fn(value))
      violations.push(fromAjv(op, "request", `${p.in}.${p.name}`, parts.request, p.pointer, fn.errors));
    params[p.name] = value;
  }
  if (op.requestBody) {
    if (parts.body === undefined) {
      if (op.requestBody.required) {
        violations.push(
          violation(
            op,
            "request",
            "body",
            parts.request,
            "",
            `${SPEC_ID}${op.pointer}/requestBody/required`,
            "a body is required",
          ),
        );
      }
    } else {
      const fn = validatorFor(`${operationId} body`, op.requestBody.schema);
      if (!fn(parts.body))
        violations.push(fromAjv(op, "request", "body", parts.request, op.requestBody.pointer, fn.errors));
    }
  }
  return { violations, params };
}

/**
 * Validates a response. A documented status is checked against its schema; an undocumented error
 * status passes (GitHub documents only some of its 403s and 404s), an undocumented success does not.
 */
export function validateResponse(
  operationId: string,
  status: number,
  body: unknown,
  request: string,
): Violation[] {
  const op = operation(operationId);
  const key = String(status);
  if (!op.responses.has(key)) {
    if (status >= 400) return [];
    const documented = [...op.responses.keys()].join(", ");
    return [
      violation(
        op,
        "response",
        "status",
        request,
        "",
        "#/responses",
        `status ${status} is not documented (${documented})`,
      ),
    ];
  }
  const response = op.responses.get(key);
  if (!response) return [];
  const fn = validatorFor(`${operationId} response ${key}`, response.schema);
  return fn(body) ? [] : [fromAjv(op, "response", `body (${status})`, request, response.pointer, fn.errors)];
}

function coerce(raw: string, schema: JsonSchema): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(raw))
    return Number(raw);
  if (types.includes("boolean") && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

function fromAjv(
  op: RestOperation,
  direction: Violation["direction"],
  location: string,
  request: string,
  pointer: string,
  errors: ErrorObject[] | null | undefined,
): Violation {
  const first = errors?.[0];
  // ajv reports paths inside a `$ref`'d component absolutely, and paths in the operation's own
  // schema relative to it; anchor the latter at the operation's place in the document.
  const schemaPath = first?.schemaPath.startsWith("#")
    ? `${SPEC_ID}${pointer}${first.schemaPath.slice(1)}`
    : (first?.schemaPath ?? "");
  const detail =
    first?.params && Object.keys(first.params).length > 0 ? ` ${JSON.stringify(first.params)}` : "";
  return violation(
    op,
    direction,
    location,
    request,
    first?.instancePath ?? "",
    schemaPath,
    `${first?.message ?? "is invalid"}${detail}`,
  );
}

function violation(
  op: RestOperation,
  direction: Violation["direction"],
  location: string,
  request: string,
  instancePath: string,
  schemaPath: string,
  message: string,
): Violation {
  return { operationId: op.operationId, direction, location, instancePath, schemaPath, message, request };
}

/** One line a test failure can show: operation, part, pointer, rule. */
export function formatViolation(v: Violation): string {
  const at = v.instancePath ? ` at ${v.instancePath}` : "";
  return `${v.operationId} ${v.direction} ${v.location}${at}: ${v.message} [${v.schemaPath}] (${v.request})`;
}
