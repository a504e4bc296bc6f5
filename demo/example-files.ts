/** An example of examples/ as the files a user would commit at a repository's root. */
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** Every file of `<root>/examples/<name>` (specs, data, registry), by repository path. */
export function exampleFiles(root: string, name: string): Record<string, string> {
  const base = path.join(root, "examples", name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(base, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(base);
  return files;
}

/** The permissions and events app.yml declares: the App is installed with exactly these. */
export function appManifest(root: string): { permissions: Record<string, string>; events: string[] } {
  const doc = parse(readFileSync(path.join(root, "app.yml"), "utf8")) as {
    default_permissions: Record<string, string>;
    default_events: string[];
  };
  return { permissions: doc.default_permissions, events: doc.default_events };
}
