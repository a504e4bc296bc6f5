/**
 * What the app reads from the default branch (modelgate.yml and registry.json) at one commit
 * never changes, so a replica keeps the last few decoded snapshots by commit sha and reads the
 * branch's head only. This is a cache, not state: losing it costs two reads, and an entry is
 * never wrong because a commit's content is fixed by its sha.
 */

/** A small map of repository snapshots by `owner/repo@sha`, the least recently used dropped first. */
export class SnapshotCache<T> {
  private readonly entries = new Map<string, T>();

  /** @param capacity snapshots kept (a replica serving many repositories keeps the busiest). */
  constructor(private readonly capacity = 64) {}

  /** The snapshot of `repo` at `sha`, if kept. */
  get(repo: { owner: string; repo: string }, sha: string): T | undefined {
    const key = keyOf(repo, sha);
    const found = this.entries.get(key);
    if (found !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  /** Keeps the snapshot of `repo` at `sha`. */
  set(repo: { owner: string; repo: string }, sha: string, value: T): void {
    const key = keyOf(repo, sha);
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Snapshots kept now. */
  get size(): number {
    return this.entries.size;
  }
}

function keyOf(repo: { owner: string; repo: string }, sha: string): string {
  return `${repo.owner.toLowerCase()}/${repo.repo.toLowerCase()}@${sha}`;
}
