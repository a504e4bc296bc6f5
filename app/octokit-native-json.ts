/**
 * Response bodies parsed by the runtime's own `JSON.parse`, as an Octokit plugin.
 *
 * `@octokit/request` parses every JSON body with `json-with-bigint`, which scans the text for
 * integers beyond 2^53 before and after `JSON.parse`: in a CPU profile of the app under a burst
 * of webhooks that was 7% of all its work (bench/README.md, "The App under a burst of
 * webhooks"). No number in the REST answers the app reads comes near 2^53 (GitHub's ids are around 10^10),
 * so the plugin asks Octokit for the unparsed body and parses it natively, with Octokit's own
 * rules otherwise: a JSON type that fails to parse stays text, `text/*` and UTF-8 bodies are
 * text, anything else an ArrayBuffer. A request that asks for the unparsed body itself
 * (`parseSuccessResponseBody: false`, the artifact download) gets it as before. Error answers
 * are parsed by Octokit as before (they are rare, and its error message is built from them).
 */
import type { Octokit } from "@octokit/core";

/** What a body of this `content-type` becomes, as `@octokit/request` decides it. */
export function bodyKind(contentType: string | undefined): "json" | "text" | "binary" {
  if (contentType === undefined) return "text";
  const [type = "", ...parameters] = contentType.split(";").map((part) => part.trim().toLowerCase());
  if (type === "application/json" || type === "application/scim+json") return "json";
  if (type.startsWith("text/")) return "text";
  const utf8 = parameters.some((p) => /^charset="?utf-8"?$/.test(p.replace(/\s+/g, "")));
  return utf8 && type !== "application/octet-stream" ? "text" : "binary";
}

/** Parses `text` as a JSON body the way the plugin does: a body that is not JSON stays text. */
function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The Octokit plugin: `Octokit.plugin(nativeJson)`. Octokit's hooks are all bound to one options
 * object per request, so the option is set on that object (a copy would not reach the request);
 * `unparsedByUs` remembers which requests asked for the raw body only because of this plugin, for
 * when a retry passes the same object through again.
 */
export function nativeJson(octokit: Octokit): void {
  const unparsedByUs = new WeakSet<object>();
  octokit.hook.wrap("request", async (request, options) => {
    if (options.request?.parseSuccessResponseBody === false && !unparsedByUs.has(options))
      return request(options);
    unparsedByUs.add(options);
    options.request = { ...options.request, parseSuccessResponseBody: false };
    const response = await request(options);
    const body = response.data as unknown;
    if (!(body instanceof ReadableStream)) return response;
    const answer = new Response(body);
    const kind = bodyKind(response.headers["content-type"]);
    const data =
      kind === "json"
        ? parseJsonBody(await answer.text())
        : kind === "text"
          ? await answer.text().catch(() => "")
          : await answer.arrayBuffer().catch(() => new ArrayBuffer(0));
    return { ...response, data };
  });
}
