/**
 * The read worker's script for tests: the worker thread runs plain JavaScript, so the tests
 * bundle src/data/read-worker.ts once (as the Action bundle does) and pass its URL to the reader.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { afterAll } from "vitest";

let script: Promise<URL> | undefined;

/** The URL of a freshly bundled read-worker script; the folder goes after the test file. */
export function readWorkerScript(): Promise<URL> {
  script ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "modelgate-read-worker-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const outfile = path.join(dir, "read-worker.mjs");
    await build({
      entryPoints: [path.resolve(import.meta.dirname, "../../src/data/read-worker.ts")],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
    });
    return pathToFileURL(outfile);
  })();
  return script;
}
