/**
 * The webhook endpoint, written for hostile traffic (issue 28): anyone on the internet can POST
 * to it, so nothing about a delivery is trusted before its signature is checked.
 *
 * 1. A body larger than GitHub's 25 MB cap is refused with 413 from its `Content-Length`, before
 *    a byte of it is read; a body without one is cut off at the cap while it streams.
 * 2. A delivery without `X-Hub-Signature-256`, `X-GitHub-Event` or `X-GitHub-Delivery` is refused
 *    before its body is read (GitHub always sends all three).
 * 3. Bodies being read have bounded memory: a small one (by `Content-Length`) gets a buffer of
 *    its size within a shared budget, a large or unsized one one of a few reused 25 MB slabs. A
 *    request waits (its socket paused, so the kernel's buffers hold it, not the heap) until its
 *    memory is free, so many large bodies at once cannot take the process's memory.
 * 4. The HMAC is computed while the body streams in and compared in constant time; only a
 *    verified body is parsed as JSON.
 * 5. A refused delivery is logged in one bounded line: delivery id, event, reason, size. Never the
 *    payload.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones. */
export const MAX_DELIVERY_BYTES = 25 * 1024 * 1024;

/** What the endpoint needs: the secret, where to hand verified events, and a logger. */
export interface WebhookEndpointOptions {
  secret: string;
  /** Called with a verified, parsed delivery; its rejection answers 500. */
  receive(event: { id: string; name: string; payload: unknown }): Promise<void>;
  /** Gets one line per refused delivery or failed handler (no fields, so any log format keeps it one line). */
  log: { warn(message: string): void; error(message: string): void };
  /** Largest body accepted (default MAX_DELIVERY_BYTES). */
  maxBytes?: number;
  /** Bodies over this many bytes (or of unknown size) are read into a shared slab (default 1 MiB). */
  smallBytes?: number;
  /** Bytes of small bodies held at once across requests (default 16 MiB). */
  smallBudgetBytes?: number;
  /** Slabs of `maxBytes` for large bodies, allocated once and reused (default 2). */
  slabs?: number;
}

/** Why a delivery was refused; the status it gets. */
export type RefusalReason =
  "too large" | "missing headers" | "bad signature" | "not JSON" | "aborted" | "method not allowed";

const STATUS: Record<RefusalReason, number> = {
  "too large": 413,
  "missing headers": 400,
  "bad signature": 400,
  "not JSON": 400,
  aborted: 400,
  "method not allowed": 405,
};

/** A header value as a short printable string, for a log line. */
function clipHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  const printable = text.replace(/[^\x20-\x7e]/g, "?");
  return printable.length <= 64 ? printable : `${printable.slice(0, 63)}…`;
}

/**
 * A shared allowance of bytes: `acquire(n)` resolves once `n` fits, in arrival order among the
 * requests that fit (a small delivery never waits behind a large one that does not fit yet).
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(readonly capacity: number) {}

  /** Waits until `bytes` fit, takes them, and returns the function that gives them back. */
  async acquire(bytes: number): Promise<() => void> {
    const want = Math.min(bytes, this.capacity);
    if (this.waiting.length === 0 && this.used + want <= this.capacity) this.used += want;
    else await new Promise<void>((grant) => this.waiting.push({ bytes: want, grant }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= want;
      this.drain();
    };
  }

  /** Bytes currently taken. */
  get inUse(): number {
    return this.used;
  }

  private drain(): void {
    for (let i = 0; i < this.waiting.length;) {
      const next = this.waiting[i]!;
      if (this.used + next.bytes <= this.capacity) {
        this.used += next.bytes;
        this.waiting.splice(i, 1);
        next.grant();
      } else i += 1;
    }
  }
}

/**
 * Buffers of `size` bytes, allocated on first use and then reused: large bodies are copied into
 * one as they arrive, so a burst of large bodies neither waits on the garbage collector nor holds
 * more than `count × size` bytes; a request waits for a free slab with its socket paused.
 */
export class SlabPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;
  private readonly waiting: Array<(slab: Buffer) => void> = [];

  constructor(
    readonly size: number,
    readonly count: number,
  ) {}

  /** Waits for a slab; returns it and the function that gives it back. */
  async acquire(): Promise<{ slab: Buffer; release: () => void }> {
    let slab = this.free.pop();
    if (!slab && this.allocated < this.count) {
      this.allocated += 1;
      slab = Buffer.allocUnsafe(this.size);
    }
    slab ??= await new Promise<Buffer>((grant) => this.waiting.push(grant));
    let released = false;
    const given = slab;
    return {
      slab: given,
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next(given);
        else this.free.push(given);
      },
    };
  }
}

/** Ends the exchange with `status` and closes the connection without reading the rest of the body. */
function refuseAndClose(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    req.destroy();
    return;
  }
  // Node reads and discards what the client still sends (no memory held); a client that has not
  // stopped a second after the answer loses the connection. Closing at once (`Connection: close`)
  // would reset the socket under a client still writing, which then never sees the answer.
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: message }), () => {
    if (!req.complete)
      setTimeout(() => {
        if (!req.complete) req.socket.destroy();
      }, 1_000).unref();
  });
}

/**
 * Reads the body into `into` (at most its length), computing the HMAC on the way: nothing is
 * parsed or copied elsewhere before the signature is checked.
 */
function readSigned(
  req: IncomingMessage,
  secret: string,
  into: Buffer,
): Promise<{ body: Buffer; digest: Buffer } | { refused: "too large" | "aborted"; size: number }> {
  return new Promise((resolve) => {
    const hmac = createHmac("sha256", secret);
    let size = 0;
    let done = false;
    const finish = (value: Parameters<typeof resolve>[0]) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > into.length) {
        req.pause();
        finish({ refused: "too large", size: size + chunk.length });
        return;
      }
      hmac.update(chunk);
      chunk.copy(into, size);
      size += chunk.length;
    };
    req.on("data", onData);
    req.once("end", () => finish({ body: into.subarray(0, size), digest: hmac.digest() }));
    req.once("error", () => finish({ refused: "aborted", size }));
    req.once("close", () => finish({ refused: "aborted", size }));
  });
}

/** `sha256=<64 hex>` as bytes, or null when the header is not of that form. */
function signatureBytes(header: string): Buffer | null {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  return match?.[1] ? Buffer.from(match[1], "hex") : null;
}

/**
 * The request handler for the webhook path: answers 200 once the app handled the delivery, 4xx
 * for a refused one (logged in one line), 500 when a handler failed.
 */
export function webhookEndpoint(
  options: WebhookEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const maxBytes = options.maxBytes ?? MAX_DELIVERY_BYTES;
  const smallBytes = options.smallBytes ?? 1024 * 1024;
  const smallBudget = new ByteBudget(options.smallBudgetBytes ?? 16 * 1024 * 1024);
  const slabs = new SlabPool(maxBytes, options.slabs ?? 2);
  /** Memory for a body of `length` bytes (unknown: up to maxBytes), held until it is parsed. */
  const bodyBuffer = async (length: number | undefined) => {
    if (length !== undefined && length <= smallBytes) {
      const release = await smallBudget.acquire(length);
      return { buffer: Buffer.allocUnsafe(length), release };
    }
    const { slab, release } = await slabs.acquire();
    return { buffer: length === undefined ? slab : slab.subarray(0, length), release };
  };
  return async (req, res) => {
    const id = clipHeader(req.headers["x-github-delivery"]);
    const name = clipHeader(req.headers["x-github-event"]);
    const declared = req.headers["content-length"];
    const refuse = (reason: RefusalReason, size: number | undefined) => {
      options.log.warn(
        `webhook delivery refused: ${reason}; ${size ?? "unknown"} bytes; delivery ${id ?? "-"}; event ${name ?? "-"}`,
      );
      refuseAndClose(req, res, STATUS[reason], reason);
    };
    if (req.method !== "POST") return refuse("method not allowed", undefined);
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && (!Number.isSafeInteger(length) || length > maxBytes))
      return refuse("too large", length);
    const signature = req.headers["x-hub-signature-256"];
    const expected = typeof signature === "string" ? signatureBytes(signature) : null;
    if (expected === null || id === undefined || name === undefined) return refuse("missing headers", length);

    // The body is held from its first byte until it is parsed.
    req.pause();
    const { buffer, release } = await bodyBuffer(length);
    let payload: unknown;
    try {
      req.resume();
      const read = await readSigned(req, options.secret, buffer);
      if ("refused" in read) return refuse(read.refused, read.size);
      if (!timingSafeEqual(read.digest, expected)) return refuse("bad signature", read.body.length);
      try {
        payload = JSON.parse(read.body.toString("utf8"));
      } catch {
        return refuse("not JSON", read.body.length);
      }
    } finally {
      release();
    }
    try {
      await options.receive({
        id: String(req.headers["x-github-delivery"]),
        name: String(req.headers["x-github-event"]),
        payload,
      });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } catch (error) {
      options.log.error(
        `webhook handler failed: delivery ${id}; event ${name}; ${clipHeader(error instanceof Error ? error.message : String(error))}`,
      );
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" }).end("handler failed\n");
    }
  };
}
