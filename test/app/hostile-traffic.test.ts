/**
 * The webhook endpoint under an attacker's traffic, with no secret: bodies over GitHub's 25 MB cap
 * (with and without `Content-Length`), eight concurrent 25 MB bodies unsigned and with forged
 * signatures. The real server (app/server.ts, bundled by esbuild as is) runs in a child process so
 * that its memory is measured by the operating system (peak resident set, VmHWM) and its log is
 * every byte it wrote. Linux only (/proc).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const SECRET = "hostile-traffic-secret";
const MB = 1024 * 1024;

interface Child {
  process: ChildProcess;
  url: string;
  log: () => string;
}

/** Bundles app/server.ts next to node_modules (so its packages resolve) and starts it. */
async function startChild(): Promise<Child> {
  const dir = path.join(root, "node_modules/.cache/modelgate-hostile");
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, "server.mjs");
  await build({
    entryPoints: [path.join(root, "app/server.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile,
    logLevel: "silent",
  });
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs8", format: "pem" })
    .toString();
  const child = spawn(process.execPath, [outfile], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      WEBHOOK_SECRET: SECRET,
      APP_ID: "1",
      PRIVATE_KEY: pem,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${out}`)), 30_000);
    const look = () => {
      const match = /listening on (http:\/\/[^\s/]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout!.off("data", look);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", look);
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}:\n${out}`)));
  });
  const startLog = out.length;
  return { process: child, url, log: () => out.slice(startLog) };
}

/** Peak resident set of a process, in MB, as the kernel counts it. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * POSTs `bytes` zero bytes (with `Content-Length`, or chunked without) and resolves with the status
 * as soon as the server answers, whatever it does with the rest of the upload.
 */
function post(
  url: string,
  options: { bytes: number; contentLength: boolean; headers?: Record<string, string> },
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(
      `${url}/api/github/webhooks`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(options.contentLength ? { "content-length": String(options.bytes) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started });
      },
    );
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const write = () => {
      while (sent < options.bytes && !answered && !req.destroyed) {
        const part = Math.min(chunk.length, options.bytes - sent);
        sent += part;
        if (!req.write(part === chunk.length ? chunk : chunk.subarray(0, part))) {
          req.once("drain", write);
          return;
        }
      }
      if (!answered && !req.destroyed) req.end();
    };
    write();
  });
}

const forged = {
  "x-github-event": "workflow_run",
  "x-github-delivery": "00000000-0000-0000-0000-000000000000",
  "x-hub-signature-256": `sha256=${"ab".repeat(32)}`,
};

describe("the webhook endpoint under hostile traffic", () => {
  let child: Child;
  beforeAll(async () => {
    child = await startChild();
  }, 60_000);
  afterAll(() => {
    child?.process.kill();
  });

  it("refuses every oversized or unsigned body, stays under 300 MB and 10 KB of log, and /healthz answers", async () => {
    const before = peakRssMb(child.process.pid!);
    const health: Array<{ status: number; ms: number }> = [];
    let attacking = true;
    const probe = (async () => {
      while (attacking) {
        const started = performance.now();
        const status = await fetch(`${child.url}/healthz`).then(
          async (res) => (await res.arrayBuffer(), res.status),
          () => 0,
        );
        health.push({ status, ms: performance.now() - started });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    // 300 MB with Content-Length: refused from the header, before the body is read.
    const declared = await post(child.url, { bytes: 300 * MB, contentLength: true });
    // 300 MB chunked and unsigned: refused from the missing signature, before the body is read.
    const unsignedChunked = await post(child.url, { bytes: 300 * MB, contentLength: false });
    // 300 MB chunked with a forged signature: read, and cut off at 25 MB.
    const forgedChunked = await post(child.url, { bytes: 300 * MB, contentLength: false, headers: forged });
    // Eight concurrent 25 MB bodies, unsigned, then with forged signatures (these are read in full).
    const unsigned25 = await Promise.all(
      Array.from({ length: 8 }, () => post(child.url, { bytes: 25 * MB, contentLength: true })),
    );
    const forged25 = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(child.url, { bytes: 25 * MB, contentLength: true, headers: forged }),
      ),
    );
    attacking = false;
    await probe;

    expect(declared.status).toBe(413);
    expect(unsignedChunked.status).toBe(400);
    expect(forgedChunked.status).toBe(413);
    expect(unsigned25.map((r) => r.status)).toEqual(Array(8).fill(400));
    expect(forged25.map((r) => r.status)).toEqual(Array(8).fill(400));
    // Refused from the headers: no body was waited for.
    expect(declared.ms).toBeLessThan(2_000);
    expect(unsignedChunked.ms).toBeLessThan(2_000);

    const peak = peakRssMb(child.process.pid!);
    expect(peak).toBeLessThan(300);
    // The logger writes asynchronously: a refusal's line may reach the pipe after its answer.
    const refusals = 19;
    const logged = () =>
      child
        .log()
        .split("\n")
        .filter((l) => l.length > 0).length;
    for (const deadline = Date.now() + 5_000; logged() < refusals && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 20));
    const log = child.log();
    expect(Buffer.byteLength(log)).toBeLessThan(10 * 1024);
    // One line per refused delivery, with the reason; never the payload.
    const lines = log.split("\n").filter((l) => l.length > 0);
    expect(lines).toHaveLength(refusals);
    for (const line of lines)
      expect(line).toMatch(
        /^WARN \(probot\): webhook delivery refused: (too large|missing headers|bad signature); (\d+|unknown) bytes; delivery [-\w]+; event [-\w]+$/,
      );
    expect(lines[0]).toContain(`too large; ${300 * MB} bytes`);

    // Answered all along (a generous bound: CI machines are shared).
    expect(health.length).toBeGreaterThanOrEqual(3);
    expect(health.every((h) => h.status === 200)).toBe(true);
    expect(Math.max(...health.map((h) => h.ms))).toBeLessThan(5_000);
    console.log(
      `hostile traffic: peak RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB after, log ${Buffer.byteLength(log)} bytes, ` +
        `${health.length} /healthz answers (slowest ${Math.max(...health.map((h) => h.ms)).toFixed(0)} ms), ` +
        `8 × 25 MB forged in ${Math.max(...forged25.map((r) => r.ms)).toFixed(0)} ms`,
    );
  }, 120_000);

  it("still acts on a signed delivery after the attack", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const res = await fetch(`${child.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "ping",
        "x-github-delivery": "11111111-1111-1111-1111-111111111111",
        "x-hub-signature-256": signature,
      },
      body,
    });
    expect(res.status).toBe(200);
    const notJson = "not json";
    const res2 = await fetch(`${child.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "x-github-event": "ping",
        "x-github-delivery": "2",
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(notJson).digest("hex")}`,
      },
      body: notJson,
    });
    expect(res2.status).toBe(400);
  });
});
