// Bundles one entry point into an ESM directory that runs under node20 and node24, with lazily
// loaded chunks, the data reader's worker thread (chunks/read-worker.js) and the bootstrap's
// (chunks/bootstrap-worker.js), and ONNX Runtime's WebAssembly files when the entry can score
// ONNX models. Used for the Action (dist/), the command line (build/cli-bundle/) and the App
// (build/app-bundle/).
import { build } from "esbuild";
import {
  copyFileSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Bundles `entry` (relative to the repository) into `outdir`; returns the size of the entry file
 * and of all JavaScript written, and the number of chunks beside the entry. `external` names
 * packages left out of the bundle, imported from node_modules at run time (the npm package's
 * optional peer dependencies).
 */
export async function bundle(entry, outdir, { external = [] } = {}) {
  rmSync(path.join(outdir, "chunks"), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [
      entry,
      // The reader starts its worker from new URL("./read-worker.js", import.meta.url): the script
      // must sit beside the chunk that holds read-in-worker.ts (checked below).
      { in: "src/data/read-worker.ts", out: "chunks/read-worker" },
      // The same for the bootstrap's worker, beside the chunk holding bootstrap-in-worker.ts.
      { in: "src/evaluate/bootstrap-worker.ts", out: "chunks/bootstrap-worker" },
    ],
    outdir,
    external,
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
    // Some CommonJS dependencies call require(); ESM output has none, so make one.
    banner: {
      js: "import { createRequire as __modelgateCreateRequire } from 'node:module'; const require = __modelgateCreateRequire(import.meta.url);",
    },
  });
  // The output must be ESM whatever package.json surrounds it (an Action is checked out anywhere).
  writeFileSync(path.join(outdir, "package.json"), '{ "type": "module" }\n');
  const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith(".js"));
  for (const [starts, script] of [
    ["src/data/read-in-worker.ts", "src/data/read-worker.ts"],
    ["src/evaluate/bootstrap-in-worker.ts", "src/evaluate/bootstrap-worker.ts"],
  ]) {
    const starter = outputs.find(
      ([, o]) => o.entryPoint !== script && Object.keys(o.inputs).includes(starts),
    );
    const worker = outputs.find(([, o]) => o.entryPoint === script);
    if (!starter || !worker || path.dirname(starter[0]) !== path.dirname(worker[0])) {
      throw new Error(
        `the worker ${worker?.[0]} is not beside the module that starts it (${starter?.[0]}): fix its out path above`,
      );
    }
  }
  // ONNX Runtime's WebAssembly build, loaded only when a spec names an ONNX model: its chunk
  // imports ort-wasm-simd-threaded.mjs (which loads the .wasm) from its own folder.
  let wasmBytes = 0;
  const ortWeb = outputs.find(([, o]) => Object.keys(o.inputs).some((i) => i.includes("onnxruntime-web/")));
  if (ortWeb) {
    const from = path.dirname(
      createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"),
    );
    for (const file of ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"]) {
      const to = path.join(path.dirname(ortWeb[0]), file);
      copyFileSync(path.join(from, file), to);
      wasmBytes += statSync(to).size;
    }
  }
  writeFileSync(path.join(outdir, "THIRD-PARTY-LICENSES.txt"), thirdPartyLicenses(result.metafile));
  const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
  const main = outputs.find(([, o]) => o.entryPoint === entry)?.[1].bytes ?? 0;
  return { entryBytes: main, totalBytes: total, chunks: outputs.length - 1, wasmBytes };
}

/**
 * The name, version, licence and licence text of every package whose code went into the bundle:
 * their licences (MIT, ISC, Apache-2.0, BSD) ask that the notice travel with the code.
 */
function thirdPartyLicenses(metafile) {
  const folders = new Set();
  for (const [output, o] of Object.entries(metafile.outputs)) {
    if (!output.endsWith(".js")) continue;
    for (const input of Object.keys(o.inputs)) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) folders.add(m[1]);
    }
  }
  const sections = [...folders]
    .map((folder) => {
      const dir = path.join(root, folder);
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
      const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
      const text =
        file && existsSync(path.join(dir, file)) ? readFileSync(path.join(dir, file), "utf8").trim() : "";
      return {
        name: manifest.name,
        version: manifest.version,
        license: manifest.license ?? "see the package",
        text,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name))
    .filter(
      (p, i, all) => i === 0 || `${p.name}@${p.version}` !== `${all[i - 1].name}@${all[i - 1].version}`,
    );
  return (
    "Packages bundled into this folder's JavaScript, with their licences.\n\n" +
    sections
      .map(
        (p) => `${p.name} ${p.version} (${p.license})\n\n${p.text || "(no licence file in the package)"}\n`,
      )
      .join("\n---\n\n")
  );
}
