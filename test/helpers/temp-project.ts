/** Builds small throw-away repositories for tests. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface TempProject {
  root: string;
  file(rel: string): string;
  write(rel: string, content: string | Uint8Array): string;
  remove(): void;
}

/** A temporary folder with the given files (path relative to the folder -> content). */
export function tempProject(files: Record<string, string | Uint8Array>): TempProject {
  const root = mkdtempSync(path.join(tmpdir(), "modelgate-test-"));
  const project: TempProject = {
    root,
    file: (rel) => path.join(root, rel),
    write(rel, content) {
      const p = path.join(root, rel);
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
  for (const [rel, content] of Object.entries(files)) project.write(rel, content);
  return project;
}

/** Makes the project a git repository with one empty commit, as the commands that read git want. */
export function initGit(project: TempProject): void {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: project.root, stdio: "pipe" });
  git("init", "-q");
  git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "start");
}

/** A minimal valid project: one regression model on a tiny CSV. */
export const minimalProject = {
  "modelgate.yml": "models:\n  price: models/price.yml\n",
  "models/price.yml": [
    "data: ../data/houses.yml",
    "target: price",
    "features:",
    "  - area",
    "  - rooms",
    "  - district",
    "slices: [district]",
    "gate:",
    "  rmse: { max: 100 }",
    "",
  ].join("\n"),
  "data/houses.yml": [
    "file: houses.csv",
    "columns:",
    "  - { name: area, type: number, min: 0 }",
    "  - { name: rooms, type: integer }",
    "  - { name: district, type: category, values: [north, south] }",
    "  - { name: price, type: number }",
    "split: { test: 0.25, salt: s }",
    "",
  ].join("\n"),
  "data/houses.csv":
    "area,rooms,district,price\n50,2,north,100\n70,3,south,140\n90,4,north,190\n40,1,south,80\n",
};
