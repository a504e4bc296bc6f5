/** Which endpoint a request is for, from its method and path; both protocols share one port. */

/** An endpoint of the server, with what its path names. */
export type Route =
  | { kind: "live" }
  | { kind: "ready" }
  | { kind: "server-metadata" }
  | { kind: "model-metadata"; model: string; version?: string }
  | { kind: "model-ready"; model: string; version?: string }
  | { kind: "infer"; model: string; version?: string }
  | { kind: "invocations" }
  | { kind: "ping" }
  | { kind: "metrics" }
  | { kind: "not-found" }
  | { kind: "method-not-allowed"; allow: string };

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;

/** Routes `method` and `pathname` (without the query string). */
export function routeRequest(method: string, pathname: string): Route {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
  const get = (route: Route): Route => (method === "GET" || method === "HEAD" ? route : notAllowed("GET"));
  switch (path) {
    case "/v2/health/live":
      return get({ kind: "live" });
    case "/v2/health/ready":
      return get({ kind: "ready" });
    case "/v2":
      return get({ kind: "server-metadata" });
    case "/ping":
    case "/health":
      return get({ kind: "ping" });
    case "/metrics":
      return get({ kind: "metrics" });
    case "/invocations":
      return method === "POST" ? { kind: "invocations" } : notAllowed("POST");
  }
  const m = MODEL_PATH.exec(path);
  if (!m) return { kind: "not-found" };
  let model: string;
  let version: string | undefined;
  try {
    model = decodeURIComponent(m[1]!);
    version = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
  } catch {
    return { kind: "not-found" };
  }
  const at = { model, ...(version !== undefined ? { version } : {}) };
  if (m[3] === "/infer") return method === "POST" ? { kind: "infer", ...at } : notAllowed("POST");
  if (m[3] === "/ready") return get({ kind: "model-ready", ...at });
  return get({ kind: "model-metadata", ...at });
}

function notAllowed(allow: string): Route {
  return { kind: "method-not-allowed", allow };
}
