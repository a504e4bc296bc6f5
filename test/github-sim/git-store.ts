import { createHash } from "node:crypto";

/** A name, email and time as git records them on a commit. */
export interface GitSignature {
  name: string;
  email: string;
  /** ISO 8601, whole seconds, UTC. */
  date: string;
}

/** One entry of a tree, as the Git data API shows it (`mode` with its leading zero for trees). */
export interface TreeEntry {
  path: string;
  mode: "100644" | "100755" | "040000" | "160000" | "120000";
  type: "blob" | "tree" | "commit";
  sha: string;
}

export type GitObject =
  | { type: "blob"; content: Buffer }
  | { type: "tree"; entries: TreeEntry[] }
  | {
      type: "commit";
      tree: string;
      parents: string[];
      message: string;
      author: GitSignature;
      committer: GitSignature;
    };

/** A change to a tree: new content, an existing object, or `null` to delete the path. */
export interface TreeChange {
  path: string;
  mode?: TreeEntry["mode"];
  type?: TreeEntry["type"];
  sha?: string | null;
  content?: string | Buffer;
}

/**
 * Content-addressed git objects with the ids git itself computes, so a sha seen in a test is a real
 * git sha. A repository and its forks share one store (as a GitHub network does); refs live on the
 * repository.
 */
export class GitStore {
  readonly objects = new Map<string, GitObject>();

  putBlob(content: string | Buffer): string {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    return this.put({ type: "blob", content: data }, data);
  }

  putTree(entries: TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => compareTreeNames(a, b));
    const body = Buffer.concat(
      sorted.map((e) =>
        Buffer.concat([
          Buffer.from(`${e.mode === "040000" ? "40000" : e.mode} ${e.path}\0`, "utf8"),
          Buffer.from(e.sha, "hex"),
        ]),
      ),
    );
    return this.put({ type: "tree", entries: sorted }, body);
  }

  putCommit(commit: Omit<Extract<GitObject, { type: "commit" }>, "type">): string {
    const sig = (s: GitSignature) => `${s.name} <${s.email}> ${Math.floor(Date.parse(s.date) / 1000)} +0000`;
    const lines = [`tree ${commit.tree}`, ...commit.parents.map((p) => `parent ${p}`)];
    lines.push(`author ${sig(commit.author)}`, `committer ${sig(commit.committer)}`, "", commit.message);
    return this.put({ type: "commit", ...commit }, Buffer.from(lines.join("\n"), "utf8"));
  }

  get(sha: string): GitObject | undefined {
    return this.objects.get(sha);
  }

  blob(sha: string): Buffer | undefined {
    const o = this.objects.get(sha);
    return o?.type === "blob" ? o.content : undefined;
  }

  tree(sha: string): TreeEntry[] | undefined {
    const o = this.objects.get(sha);
    return o?.type === "tree" ? o.entries : undefined;
  }

  commit(sha: string): Extract<GitObject, { type: "commit" }> | undefined {
    const o = this.objects.get(sha);
    return o?.type === "commit" ? o : undefined;
  }

  /** Every file under a tree, by full path. */
  listFiles(treeSha: string, prefix = ""): Map<string, TreeEntry> {
    const out = new Map<string, TreeEntry>();
    for (const e of this.tree(treeSha) ?? []) {
      const path = prefix + e.path;
      if (e.type === "tree") for (const [p, sub] of this.listFiles(e.sha, `${path}/`)) out.set(p, sub);
      else out.set(path, { ...e, path });
    }
    return out;
  }

  /** Entries of a tree with full paths, trees included (what `recursive=1` lists). */
  listRecursive(treeSha: string, prefix = ""): TreeEntry[] {
    const out: TreeEntry[] = [];
    for (const e of this.tree(treeSha) ?? []) {
      const path = prefix + e.path;
      out.push({ ...e, path });
      if (e.type === "tree") out.push(...this.listRecursive(e.sha, `${path}/`));
    }
    return out;
  }

  /** Looks a path up in a tree: the entry, or undefined. */
  lookup(treeSha: string, path: string): TreeEntry | undefined {
    const parts = path.split("/").filter(Boolean);
    let entries = this.tree(treeSha);
    let found: TreeEntry | undefined =
      parts.length === 0 ? { path: "", mode: "040000", type: "tree", sha: treeSha } : undefined;
    for (const [i, part] of parts.entries()) {
      found = entries?.find((e) => e.path === part);
      if (!found) return undefined;
      if (i < parts.length - 1) entries = found.type === "tree" ? this.tree(found.sha) : undefined;
    }
    return found;
  }

  /** A new tree: `base` (if any) with the changes applied, paths nested as git nests them. */
  applyChanges(base: string | undefined, changes: TreeChange[]): string {
    const files = base ? this.listFiles(base) : new Map<string, TreeEntry>();
    for (const c of changes) {
      if (c.sha === null) {
        for (const p of [...files.keys()]) if (p === c.path || p.startsWith(`${c.path}/`)) files.delete(p);
        continue;
      }
      const sha = c.content !== undefined ? this.putBlob(c.content) : c.sha;
      if (!sha) throw new Error(`tree change for ${c.path} has neither sha nor content`);
      if (c.type === "tree") {
        for (const [p, e] of this.listFiles(sha, `${c.path}/`)) files.set(p, e);
        continue;
      }
      files.set(c.path, { path: c.path, mode: c.mode ?? "100644", type: c.type ?? "blob", sha });
    }
    return this.writeFiles(files);
  }

  /** Builds the nested trees for a flat map of files and returns the root tree's sha. */
  writeFiles(files: Map<string, TreeEntry>): string {
    const root = new Map<string, TreeEntry | Map<string, unknown>>();
    for (const [path, entry] of files) {
      const parts = path.split("/");
      let dir = root;
      for (const part of parts.slice(0, -1)) {
        let next = dir.get(part);
        if (!(next instanceof Map)) {
          next = new Map();
          dir.set(part, next);
        }
        dir = next as typeof root;
      }
      dir.set(parts[parts.length - 1] ?? path, { ...entry, path: parts[parts.length - 1] ?? path });
    }
    const write = (dir: typeof root): string =>
      this.putTree(
        [...dir].map(([name, v]) =>
          v instanceof Map ? { path: name, mode: "040000", type: "tree", sha: write(v as typeof root) } : v,
        ),
      );
    return write(root);
  }

  /** True when `ancestor` is `descendant` or reachable from it through parents. */
  isAncestor(ancestor: string, descendant: string): boolean {
    const seen = new Set<string>();
    const queue = [descendant];
    while (queue.length > 0) {
      const sha = queue.pop() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commit(sha)?.parents ?? []));
    }
    return false;
  }

  private put(object: GitObject, body: Buffer): string {
    const header = Buffer.from(`${object.type} ${body.length}\0`, "utf8");
    const sha = createHash("sha1")
      .update(Buffer.concat([header, body]))
      .digest("hex");
    if (!this.objects.has(sha)) this.objects.set(sha, object);
    return sha;
  }
}

// git sorts tree entries by name, comparing a tree's name as if it ended in "/".
function compareTreeNames(a: TreeEntry, b: TreeEntry): number {
  const ka = a.type === "tree" ? `${a.path}/` : a.path;
  const kb = b.type === "tree" ? `${b.path}/` : b.path;
  return Buffer.compare(Buffer.from(ka), Buffer.from(kb));
}
