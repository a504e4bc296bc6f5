// Bundles the GitHub App's server into build/app-bundle/ (see bundle.mjs), which
// bin/modelgate-app.js runs. Probot stays out: it is an optional peer dependency of the npm
// package, installed by those who run the App, so that installing the command line does not
// pull in a web server and its logger.
// Usage: node scripts/bundle-app.mjs [outdir]  (default build/app-bundle)
import path from "node:path";
import { bundle, root } from "./bundle.mjs";

const outdir = path.resolve(process.argv[2] ?? path.join(root, "build", "app-bundle"));
await bundle("app/server.ts", outdir, {
  external: ["probot", "onnxruntime-node", "onnxruntime-web", "onnxruntime-common"],
});
