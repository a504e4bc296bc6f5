// Bundles the Action into one ESM file (dist/index.js) with its chunks and worker scripts
// (see bundle.mjs). Usage: node scripts/bundle-action.mjs [outdir]  (default dist)
import path from "node:path";
import { bundle, root } from "./bundle.mjs";

const outdir = path.resolve(process.argv[2] ?? path.join(root, "dist"));
const { entryBytes, totalBytes, chunks, wasmBytes } = await bundle("action/index.ts", outdir);
console.log(
  `bundled the Action into ${path.relative(process.cwd(), outdir) || "."}/: index.js ${(entryBytes / 1024).toFixed(0)} KiB, ` +
    `${chunks} lazily loaded chunks, ${(totalBytes / 1024).toFixed(0)} KiB in all` +
    (wasmBytes > 0
      ? `, and ONNX Runtime's WebAssembly files (${(wasmBytes / 1048576).toFixed(1)} MiB, loaded only for ONNX models)`
      : ""),
);
