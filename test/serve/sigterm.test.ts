/**
 * SIGTERM under load, on the bundled command line as it runs in a container: requests in flight
 * are answered (0 failed), the process exits 0 within the drain time.
 */
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "modelgate-serve-"));
  execFileSync(process.execPath, [path.join(root, "scripts/bundle-cli.mjs"), dir], { stdio: "pipe" });
  writeFileSync(
    path.join(dir, "entry.js"),
    'import { main } from "./main.js";\nprocess.exitCode = await main(process.argv.slice(2));\n',
  );
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = (
  JSON.parse(readFileSync(path.join(root, "examples/cars/data/cars.json"), "utf8")) as Record<
    string,
    unknown
  >[]
).map((r) => ({ Weight_in_lbs: r.Weight_in_lbs, Horsepower: r.Horsepower, Year: r.Year }));

it("drains on SIGTERM under load: 0 failed requests, exit 0", async () => {
  const child = spawn(
    process.execPath,
    [
      path.join(dir, "entry.js"),
      "serve",
      "--config",
      "examples/cars/modelgate.yml",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--poll",
      "0",
      "--log-sample",
      "0",
      "--drain",
      "10",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 30_000);
    child.stderr.on("data", () => {
      const m = /serving on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const body = JSON.stringify({ dataframe_records: records });
  let stop = false;
  let killedAt = Infinity;
  let answered = 0;
  const failures: string[] = [];
  const workers = Array.from({ length: 16 }, async () => {
    while (!stop) {
      try {
        const res = await fetch(`${url}/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const json = (await res.json()) as { predictions?: number[] };
        if (res.status !== 200 || json.predictions?.length !== records.length)
          failures.push(`status ${res.status}`);
        else answered++;
      } catch (e) {
        failures.push(
          `${String((e as { cause?: unknown }).cause ?? e)} at ${Math.round(performance.now() - killedAt)}`,
        );
      }
    }
  });
  // Under a steady load: once a few rounds have been answered.
  const until = performance.now() + 30_000;
  while (answered < 32 && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  const before = answered;
  // Stop sending new requests as the signal goes: the ones in flight must all be answered.
  stop = true;
  killedAt = performance.now();
  child.kill("SIGTERM");
  await Promise.all(workers);
  const code = await exited;
  expect(failures).toEqual([]);
  expect(before).toBeGreaterThanOrEqual(32);
  // The 16 requests in flight at the signal were answered too.
  expect(answered).toBeGreaterThanOrEqual(before + 1);
  expect(code).toBe(0);
  expect(stderr).toMatch(/SIGTERM: draining/);
  expect(stderr).not.toMatch(/internal error/);
}, 120_000);
