/** The cars example as a repository in the GitHub simulator. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** Every file of examples/<name> (specs, data, registry) by repository path. */
export function exampleFiles(name: string): Record<string, string> {
  const base = path.join(root, "examples", name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else files[path.relative(base, p).split(path.sep).join("/")] = readFileSync(p, "utf8");
    }
  };
  walk(base);
  return files;
}

/** Every file of examples/cars. */
export const carsFiles = () => exampleFiles("cars");

/** The committed Action bundle, run as a runner runs it. */
export const actionBundle = path.join(root, "dist/index.js");
