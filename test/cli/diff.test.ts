/** `modelgate diff --base REF` in real git repositories. */
import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { tempProject, type TempProject } from "../helpers/temp-project.js";
import { runCli } from "../helpers/run-cli.js";

const projects: TempProject[] = [];
afterEach(() => projects.splice(0).forEach((p) => p.remove()));

function data(rows = 240): string {
  let seed = 5;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const lines = ["id,a,b,y"];
  for (let i = 0; i < rows; i++) {
    const a = random() * 10;
    const b = random() * 10;
    lines.push(`${i},${a.toFixed(4)},${b.toFixed(4)},${(1 + 3 * a + b + random() - 0.5).toFixed(4)}`);
  }
  return lines.join("\n") + "\n";
}

function repo() {
  const p = tempProject({
    "modelgate.yml": "models:\n  m: model.yml\n",
    "data.yml":
      "file: d.csv\ncolumns:\n  - { name: id, type: integer }\n  - { name: a, type: number }\n  - { name: b, type: number }\n  - { name: y, type: number }\nkey: [id]\nsplit: { test: 0.3, salt: d }\n",
    "d.csv": data(),
    "model.yml": "data: data.yml\ntarget: y\nfeatures: [a]\nmetrics: { bootstrap: { samples: 200 } }\n",
  });
  projects.push(p);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.com", ...args], {
      cwd: p.root,
      stdio: "pipe",
    });
  git("init", "-q", "-b", "main");
  return { p, git };
}

describe("modelgate diff", () => {
  it("compares the working tree with the production model as of a ref and previews the comment", async () => {
    const { p, git } = repo();
    git("add", "-A");
    git("commit", "-qm", "first");
    await runCli(p.root, ["run", "--out", "out"]);
    await runCli(p.root, ["promote", "m", "--from", "out"]);
    git("add", ".modelgate");
    git("commit", "-qm", "promote v1");
    p.write(
      "model.yml",
      "data: data.yml\ntarget: y\nfeatures: [a, b]\nmetrics: { bootstrap: { samples: 200 } }\n",
    );
    const r = await runCli(p.root, ["diff", "--base", "main", "--out", "preview"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("champion  version 1 (alias production), scored on the same");
    expect(r.out).toMatch(/rmse .*significant/);
    expect(r.out).toContain("---- the pull request comment ----");
    expect(r.out).toMatch(/\| \*\*RMSE\*\* +\|/);
  });

  it("retrains the spec as of the ref to separate spec changes from data changes", async () => {
    const { p, git } = repo();
    git("add", "-A");
    git("commit", "-qm", "first");
    p.write(
      "model.yml",
      "data: data.yml\ntarget: y\nfeatures: [a, b]\nmetrics: { bootstrap: { samples: 200 } }\n",
    );
    const r = await runCli(p.root, ["diff", "--base", "HEAD", "--retrain-base"]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^trained 1 model\(s\) as of HEAD \([0-9a-f]{7}\)/);
    expect(r.out).toContain("champion  version 0 (alias spec at HEAD, retrained)");
    // The worktree is gone again.
    expect(
      execFileSync("git", ["worktree", "list"], { cwd: p.root, encoding: "utf8" }).trim().split("\n"),
    ).toHaveLength(1);
  });

  it("tells how to fetch a ref a shallow clone lacks", async () => {
    const { p, git } = repo();
    git("add", "-A");
    git("commit", "-qm", "first");
    p.write("x.txt", "x\n");
    git("add", "-A");
    git("commit", "-qm", "second");
    const clone = tempProject({});
    projects.push(clone);
    execFileSync("git", ["clone", "-q", "--depth", "1", `file://${p.root}`, clone.file("c")], {
      stdio: "pipe",
    });
    const r = await runCli(clone.file("c"), ["diff", "--base", "HEAD~1"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('diff: the repository has no commit "HEAD~1"');
    expect(r.err).toContain("this is a shallow clone: fetch it first");
  });
});
