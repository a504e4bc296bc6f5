// Bundles the command line into build/cli-bundle/ (see bundle.mjs), which bin/modelgate.js runs:
// one file loads in about half the time of the compiled modules one by one.
// ONNX Runtime stays out: it is an optional peer dependency of the npm package (onnxruntime-node,
// or onnxruntime-web without a native library), loaded from node_modules only when a spec names
// an ONNX model; the Action's bundle (dist/) carries the WebAssembly build instead.
// Usage: node scripts/bundle-cli.mjs [outdir]  (default build/cli-bundle)
import path from "node:path";
import { bundle, root } from "./bundle.mjs";

const outdir = path.resolve(process.argv[2] ?? path.join(root, "build", "cli-bundle"));
await bundle("cli/main.ts", outdir, {
  external: ["onnxruntime-node", "onnxruntime-web", "onnxruntime-common"],
});
