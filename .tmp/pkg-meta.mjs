import { build } from "esbuild";
const r = await build({ absWorkingDir: process.cwd(), entryPoints: [process.argv[2]], bundle: true, platform: "node", target: "node20", format: "esm", splitting: true, outdir: ".tmp/o", minify: true, metafile: true, write: false, logLevel: "error" });
const sizes = {};
for (const [, o] of Object.entries(r.metafile.outputs)) for (const [i, v] of Object.entries(o.inputs)) {
  const m = i.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1] : i.split("/")[0];
  sizes[k] = (sizes[k] ?? 0) + v.bytesInOutput;
}
console.log(Object.entries(sizes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v/1024).toFixed(0)}K`).join("\n"));
