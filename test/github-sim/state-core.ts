import { GitStore } from "./git-store.js";
import type { SimApp, SimInstallation, SimIssue, SimRepo, SimUser, TokenGrant } from "./model.js";
import type { SimEvent, SimEventListener } from "./sim-events.js";

/** Raised by scenario helpers and routes; the server turns it into GitHub's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<{ resource: string; field: string; code: string; message?: string }>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/**
 * The storage every part of the simulator shares: users, repositories, apps, tokens, the id counter
 * and the clock. Scenario helpers (`SimState`) and HTTP routes both mutate it through the `*-ops`
 * modules, so a change made either way emits the same events.
 */
export class StateCore {
  readonly users = new Map<string, SimUser>();
  readonly repos = new Map<string, SimRepo>();
  readonly apps = new Map<number, SimApp>();
  readonly installations = new Map<number, SimInstallation>();
  readonly tokens = new Map<string, TokenGrant>();
  /** Every event since the start, in order: what webhooks are made from. */
  readonly events: SimEvent[] = [];
  private readonly listeners = new Set<SimEventListener>();
  /**
   * Read-after-write lag of list endpoints, in milliseconds: a comment or check run created less
   * than this long ago is missing from `issues/list-comments` and `checks/list-for-ref` (a single
   * GET still finds it), as GitHub's listings can lag just after a write. 0 (default): no lag.
   */
  listLagMs = 0;
  private readonly writtenAt = new WeakMap<object, number>();
  private nextId = 1000;
  private tokenCounter = 0;

  constructor(
    /** Base of every REST url (`http://127.0.0.1:PORT`). */
    public apiUrl: string,
    /** Base of html urls (`http://github.localhost:PORT`). */
    public serverUrl: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The simulator's time, as GitHub writes it (whole seconds, `Z`). */
  now(): string {
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
  }

  id(): number {
    return this.nextId++;
  }

  /** Records that `item` was just created, for `listed`. */
  markWritten(item: object): void {
    this.writtenAt.set(item, performance.now());
  }

  /** Whether a list endpoint shows `item` yet (see `listLagMs`). */
  listed(item: object): boolean {
    if (this.listLagMs <= 0) return true;
    const at = this.writtenAt.get(item);
    return at === undefined || performance.now() - at >= this.listLagMs;
  }

  nodeId(kind: string, id: number): string {
    return Buffer.from(`0${kind.length}:${kind}${id}`).toString("base64");
  }

  /** A fresh token string with GitHub's prefix for its kind (`ghp_`, `ghs_`). */
  newToken(prefix: "ghp" | "ghs"): string {
    this.tokenCounter += 1;
    return `${prefix}_sim${String(this.tokenCounter).padStart(6, "0")}${"x".repeat(26)}`;
  }

  user(login: string): SimUser {
    const u = this.users.get(login.toLowerCase());
    if (!u) throw new ApiError(404, `Not Found: no user ${login}`);
    return u;
  }

  repo(fullName: string): SimRepo {
    const r = this.repos.get(fullName.toLowerCase());
    if (!r) throw new ApiError(404, "Not Found");
    return r;
  }

  issue(repo: SimRepo, number: number): SimIssue {
    const i = repo.issues.get(number);
    if (!i) throw new ApiError(404, "Not Found");
    return i;
  }

  pull(repo: SimRepo, number: number): SimIssue & { pull: NonNullable<SimIssue["pull"]> } {
    const i = repo.issues.get(number);
    if (!i?.pull) throw new ApiError(404, "Not Found");
    return i as SimIssue & { pull: NonNullable<SimIssue["pull"]> };
  }

  createGitStore(): GitStore {
    return new GitStore();
  }

  emit(event: SimEvent): void {
    this.events.push(event);
    for (const l of this.listeners) l(event);
  }

  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: SimEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
