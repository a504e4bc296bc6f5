/**
 * A forwarding proxy on loopback, as a corporate network puts in front of a self-hosted runner:
 * HTTP CONNECT tunnels (what clients use for https, and undici for http too) and plain
 * forwarding of absolute-URI requests (http), optionally behind basic auth. It resolves the
 * names it is asked for itself (`routes`), as a proxy does for runners that cannot resolve them.
 */
import { createServer, request, type IncomingMessage } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";

/** One use of the proxy. */
export interface ProxyUse {
  kind: "connect" | "forward";
  /** `host:port` asked for. */
  target: string;
  /** `METHOD /path` of a forwarded request (a tunnel's requests are not visible to the proxy). */
  request?: string;
  /** False when it was refused for want of credentials (407). */
  authorized: boolean;
}

export interface ForwardingProxy {
  /** `http://127.0.0.1:PORT`, with `user:password@` when credentials are required. */
  url: string;
  port: number;
  uses: ProxyUse[];
  close(): Promise<void>;
}

export interface ForwardingProxyOptions {
  /** Where `host:port` really is; a target not listed is answered 502. */
  routes: Record<string, { host: string; port: number }>;
  /** Require these basic-auth credentials (Proxy-Authorization), else 407. */
  credentials?: { user: string; password: string };
}

/** Starts the proxy on 127.0.0.1. */
export async function startForwardingProxy(options: ForwardingProxyOptions): Promise<ForwardingProxy> {
  const uses: ProxyUse[] = [];
  const sockets = new Set<Socket>();
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`).toString("base64")}`
    : undefined;
  const authorized = (req: IncomingMessage) => !expected || req.headers["proxy-authorization"] === expected;
  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res.writeHead(400).end("a proxy request needs an absolute URI");
      return;
    }
    const target = `${url.hostname}:${url.port || 80}`;
    const ok = authorized(req);
    uses.push({
      kind: "forward",
      target,
      request: `${req.method} ${url.pathname}${url.search}`,
      authorized: ok,
    });
    if (!ok) {
      res.writeHead(407, { "proxy-authenticate": 'Basic realm="modelgate test proxy"' }).end();
      return;
    }
    const route = options.routes[target];
    if (!route) {
      res.writeHead(502).end(`no route to ${target}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = request(
      { host: route.host, port: route.port, method: req.method, path: url.pathname + url.search, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(e.message);
    });
    req.pipe(upstream);
  });
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    const target = req.url ?? "";
    const ok = authorized(req);
    uses.push({ kind: "connect", target, authorized: ok });
    if (!ok) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="modelgate test proxy"\r\n\r\n',
      );
      return;
    }
    const route = options.routes[target];
    if (!route) {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream = connect(route.port, route.host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const auth = options.credentials
    ? `${encodeURIComponent(options.credentials.user)}:${encodeURIComponent(options.credentials.password)}@`
    : "";
  return {
    url: `http://${auth}127.0.0.1:${port}`,
    port,
    uses,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
