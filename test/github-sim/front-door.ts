/**
 * A front for a running simulator on another loopback port: plain HTTP or TLS (with a test
 * certificate), optionally under a path prefix as GitHub Enterprise Server serves its REST API
 * (`/api/v3`), logging every request it passes on. Tests start one per way a client may arrive
 * (directly, through a proxy) and tell from the logs which way each request came.
 */
import {
  createServer as createHttpServer,
  request,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface FrontDoorOptions {
  /** Serve TLS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * The REST API's prefix (`/api/v3`): stripped before the simulator sees the request. The
   * artifact service's paths (`/twirp/`, `/_sim/`) pass as they are; any other path without the
   * prefix is answered 404, as a GitHub Enterprise Server would.
   */
  pathPrefix?: string;
}

export interface FrontDoor {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  url: string;
  port: number;
  /** Every request received, as `METHOD /path?query` (before the prefix is stripped). */
  requests: string[];
  close(): Promise<void>;
}

/** Starts a front on 127.0.0.1 that passes requests to the simulator at `simUrl`. */
export async function startFrontDoor(simUrl: string, options: FrontDoorOptions = {}): Promise<FrontDoor> {
  const target = new URL(simUrl);
  const requests: string[] = [];
  const prefix = options.pathPrefix?.replace(/\/$/, "");
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const original = req.url ?? "/";
    requests.push(`${req.method} ${original}`);
    let forwarded = original;
    if (prefix) {
      if (original === prefix || original.startsWith(`${prefix}/`) || original.startsWith(`${prefix}?`))
        forwarded = original.slice(prefix.length) || "/";
      else if (!/^\/(twirp|_sim)\//.test(original)) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `Not Found (the REST API is under ${prefix})` }));
        return;
      }
    }
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: forwarded,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`front door: ${e.message}`);
    });
    req.pipe(upstream);
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createHttpServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
