// npm's prepare script: builds after `npm ci` / `npm install` in this repository (and when the
// package is installed from git), but not during `npm pack` or `npm publish`, where npm runs
// prepack first and prepack has just built the same tree.
import { spawnSync } from "node:child_process";

if (["pack", "publish"].includes(process.env.npm_command ?? "")) process.exit(0);
const build = spawnSync("npm", ["run", "build"], { stdio: "inherit", shell: process.platform === "win32" });
process.exit(build.status ?? 1);
