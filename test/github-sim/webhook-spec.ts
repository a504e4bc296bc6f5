import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import type { Violation } from "./openapi-validator.js";
import type { JsonSchema } from "./rest-spec.js";

/** `$id` of `@octokit/openapi-webhooks`' api.github.com description inside ajv. */
const WEBHOOKS_ID = "webhooks.api.github.com.json";

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

interface WebhookDefinition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

let loaded:
  | {
      webhooks: Record<string, JsonSchema>;
      examples: WebhookDefinition[];
      ajv: Ajv;
      compiled: Map<string, ValidateFunction>;
    }
  | undefined;

function load(): NonNullable<typeof loaded> {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const read = (id: string) => JSON.parse(readFileSync(require.resolve(id), "utf8")) as unknown;
  const doc = read("@octokit/openapi-webhooks/generated/api.github.com.json") as {
    webhooks: Record<string, JsonSchema>;
    components: JsonSchema;
  };
  const examples = read("@octokit/webhooks-examples/api.github.com/index.json") as WebhookDefinition[];
  rewriteRefs(doc);
  // OpenAPI 3.1: plain JSON Schema (null is a type), so ajv takes it as it is.
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: WEBHOOKS_ID, components: doc.components }, WEBHOOKS_ID);
  loaded = { webhooks: doc.webhooks, examples, ajv, compiled: new Map() };
  return loaded;
}

function rewriteRefs(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteRefs(item);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const schema = node as JsonSchema;
  for (const value of Object.values(schema)) rewriteRefs(value);
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/"))
    schema.$ref = WEBHOOKS_ID + schema.$ref;
}

/** The description's key for an event and action: `pull_request` + `opened` is `pull-request-opened`. */
export function webhookKey(event: string, action: string | undefined): string {
  return [event, action].filter(Boolean).join("-").replace(/_/g, "-");
}

/** The published example payloads of an event (`@octokit/webhooks-examples`), optionally of one action. */
export function webhookExamples(event: string, action?: string): Array<Record<string, unknown>> {
  const def = load().examples.find((d) => d.name === event);
  return (def?.examples ?? []).filter((e) => action === undefined || e.action === action);
}

/** Validates a payload against the webhook's request body schema; an unknown event/action is a violation too. */
export function validateWebhook(event: string, action: string | undefined, payload: unknown): Violation[] {
  const key = webhookKey(event, action);
  const { webhooks, ajv, compiled } = load();
  const at = `${WEBHOOKS_ID}#/webhooks/${key}/post/requestBody/content/application~1json/schema`;
  const base = {
    operationId: `webhook ${key}`,
    direction: "request" as const,
    location: "payload",
    request: `POST (webhook) ${key}`,
  };
  let fn = compiled.get(key);
  if (!fn) {
    const post = (
      webhooks[key] as
        { post?: { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } } } | undefined
    )?.post;
    const schema = post?.requestBody?.content?.["application/json"]?.schema;
    if (!schema)
      return [
        {
          ...base,
          instancePath: "",
          schemaPath: `${WEBHOOKS_ID}#/webhooks`,
          message: `no webhook ${key} in the description`,
        },
      ];
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  if (fn(payload)) return [];
  const first = fn.errors?.[0];
  const detail =
    first?.params && Object.keys(first.params).length > 0 ? ` ${JSON.stringify(first.params)}` : "";
  const schemaPath = first?.schemaPath.startsWith("#")
    ? `${at}${first.schemaPath.slice(1)}`
    : (first?.schemaPath ?? "");
  return [
    {
      ...base,
      instancePath: first?.instancePath ?? "",
      schemaPath,
      message: `${first?.message ?? "is invalid"}${detail}`,
    },
  ];
}
