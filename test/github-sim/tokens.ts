import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import type {
  Access,
  PermissionName,
  Permissions,
  Role,
  SimApp,
  SimInstallation,
  SimRepo,
  SimUser,
  TokenGrant,
} from "./model.js";
import { ROLES } from "./model.js";
import { createUser, roleOf } from "./repo-ops.js";
import { ApiError, type StateCore } from "./state-core.js";

/** A personal token for `user`: it acts with the user's repository roles. */
export function createUserToken(core: StateCore, user: SimUser): string {
  const token = core.newToken("ghp");
  core.tokens.set(token, { kind: "user", user });
  return token;
}

/** Options of `createApp`. */
export interface CreateAppOptions {
  slug: string;
  /** Login of the owner; created when unknown. */
  owner?: string;
  permissions?: Permissions;
  events?: string[];
}

/** Registers a GitHub App with a fresh RSA key pair (give `privateKey` to Probot / `@octokit/auth-app`). */
export function createApp(core: StateCore, options: CreateAppOptions): SimApp {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const id = core.id();
  const owner = createUser(core, options.owner ?? `${options.slug}-owner`);
  const bot = createUser(core, `${options.slug}[bot]`, { type: "Bot" });
  const app: SimApp = {
    id,
    nodeId: core.nodeId("App", id),
    slug: options.slug,
    name: options.slug,
    clientId: `Iv1.sim${id}`,
    owner,
    bot,
    permissions: options.permissions ?? { metadata: "read" },
    events: options.events ?? [],
    privateKey,
    publicKey: createPublicKey(publicKey),
  };
  core.apps.set(id, app);
  return app;
}

/** Installs an app on an account, for all its repositories or the ones given. */
export function installApp(
  core: StateCore,
  app: SimApp,
  account: SimUser,
  repositories: "all" | SimRepo[] = "all",
): SimInstallation {
  const installation: SimInstallation = { id: core.id(), app, account, repositories, createdAt: core.now() };
  core.installations.set(installation.id, installation);
  return installation;
}

/** An installation token, as `POST /app/installations/{id}/access_tokens` makes (optionally narrowed). */
export function createInstallationToken(
  core: StateCore,
  installation: SimInstallation,
  narrow: { permissions?: Permissions; repositories?: SimRepo[] } = {},
): { token: string; grant: Extract<TokenGrant, { kind: "installation" }> } {
  const permissions: Permissions = {};
  const wanted = narrow.permissions ?? installation.app.permissions;
  for (const [name, access] of Object.entries(wanted) as Array<[PermissionName, Access]>) {
    const held = installation.app.permissions[name];
    if (!held || (access === "write" && held !== "write")) {
      throw new ApiError(422, `The permissions requested are not granted to this installation.`);
    }
    permissions[name] = access;
  }
  const repositories = narrow.repositories ?? installation.repositories;
  const expiresAt = new Date(Date.parse(core.now()) + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const grant = { kind: "installation" as const, installation, permissions, repositories, expiresAt };
  const token = core.newToken("ghs");
  core.tokens.set(token, grant);
  return { token, grant };
}

/** Read-only permissions of a `pull_request` workflow token from a fork (GitHub's fixed downgrade). */
export const FORK_WORKFLOW_PERMISSIONS: Permissions = {
  actions: "read",
  checks: "read",
  contents: "read",
  deployments: "read",
  issues: "read",
  metadata: "read",
  pull_requests: "read",
  statuses: "read",
};

/** A workflow's GITHUB_TOKEN for `repo`, with the permissions given (default: read-only, as for a fork PR). */
export function createWorkflowToken(
  core: StateCore,
  repo: SimRepo,
  options: { permissions?: Permissions; runId?: number | null; actor?: SimUser } = {},
): string {
  const token = core.newToken("ghs");
  core.tokens.set(token, {
    kind: "workflow",
    repo,
    permissions: options.permissions ?? FORK_WORKFLOW_PERMISSIONS,
    runId: options.runId ?? null,
    actor: options.actor ?? createUser(core, "github-actions[bot]", { type: "Bot" }),
  });
  return token;
}

/**
 * Reads the `Authorization` header: a token the simulator issued, or an app JWT (RS256, signed with
 * the app's key, `iss` the app id or client id, at most ten minutes long). 401 for anything else.
 */
export function resolveAuthorization(core: StateCore, header: string | undefined): TokenGrant | undefined {
  if (!header) return undefined;
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) throw new ApiError(401, "Bad credentials");
  const credential = match[1];
  const grant = core.tokens.get(credential);
  if (grant) {
    if (grant.kind === "installation" && Date.parse(grant.expiresAt) < Date.parse(core.now())) {
      throw new ApiError(401, "Bad credentials");
    }
    return grant;
  }
  const parts = credential.split(".");
  if (parts.length === 3) return { kind: "app", app: verifyAppJwt(core, parts as [string, string, string]) };
  throw new ApiError(401, "Bad credentials");
}

function verifyAppJwt(core: StateCore, [header, payload, signature]: [string, string, string]): SimApp {
  const bad = (why: string) => new ApiError(401, `A JSON web token could not be decoded (${why})`);
  let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
  try {
    const h = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: string };
    if (h.alg !== "RS256") throw bad("alg must be RS256");
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof claims;
  } catch (e) {
    throw e instanceof ApiError ? e : bad("not JSON");
  }
  const app = [...core.apps.values()].find(
    (a) => String(a.id) === String(claims.iss) || a.clientId === claims.iss,
  );
  if (!app) throw bad("unknown issuer");
  const ok = verify(
    "RSA-SHA256",
    Buffer.from(`${header}.${payload}`),
    app.publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!ok) throw bad("signature does not match the app's key");
  // Clients sign with the real clock, whatever clock the simulator was given.
  const now = Date.now() / 1000;
  const [iat, exp] = [Number(claims.iat), Number(claims.exp)];
  if (!(exp > now - 60) || !(iat < now + 60) || exp - iat > 660) {
    throw new ApiError(401, "'Expiration time' claim ('exp') is too far in the future or expired");
  }
  return app;
}

/** What a route needs on the repository in its path. */
export interface Need {
  /** App permission (any one of them suffices). */
  permission: PermissionName | readonly PermissionName[];
  access: Access;
  /** Role a user needs (default: `read` for reads, `write` for writes). */
  role?: Role;
  /** Only GitHub Apps may do it (check runs). */
  appOnly?: boolean;
}

/** Who is acting, as the API records authors. */
export function actorOf(core: StateCore, grant: TokenGrant | undefined): SimUser {
  if (!grant) throw new ApiError(401, "Requires authentication");
  switch (grant.kind) {
    case "user":
      return grant.user;
    case "installation":
      return grant.installation.app.bot;
    case "workflow":
      return createUser(core, "github-actions[bot]", { type: "Bot" });
    case "app":
      throw new ApiError(403, "A JSON web token cannot be used for this endpoint; use an installation token");
  }
}

/**
 * GitHub's answer to "may this token do that here": 404 where it cannot even see a private
 * repository, 401 for anonymous writes, 403 "Resource not accessible by integration" for a token
 * without the permission, 403 for a user without the role.
 */
export function authorize(grant: TokenGrant | undefined, repo: SimRepo, need: Need): void {
  const names: readonly PermissionName[] =
    typeof need.permission === "string" ? [need.permission] : need.permission;
  if (!grant) {
    if (repo.private) throw new ApiError(404, "Not Found");
    if (need.access === "write") throw new ApiError(401, "Requires authentication");
    return;
  }
  if (grant.kind === "app")
    throw new ApiError(403, "A JSON web token cannot be used for this endpoint; use an installation token");
  if (grant.kind === "user") {
    if (need.appOnly) throw new ApiError(403, "You must authenticate via a GitHub App.");
    const role = roleOf(repo, grant.user) ?? (repo.private ? null : "read");
    if (role === null) throw new ApiError(404, "Not Found");
    const needed = need.role ?? (need.access === "write" ? "write" : "read");
    if (ROLES.indexOf(role) < ROLES.indexOf(needed)) {
      throw new ApiError(403, `Must have ${needed} access to repository ${repo.fullName}`);
    }
    return;
  }
  const covers =
    grant.kind === "workflow"
      ? grant.repo === repo
      : grant.repositories === "all"
        ? grant.installation.account.id === repo.owner.id
        : grant.repositories.includes(repo);
  if (!covers) {
    if (repo.private) throw new ApiError(404, "Not Found");
    if (need.access === "read") return;
    throw new ApiError(403, "Resource not accessible by integration");
  }
  const granted = names.some((n) => {
    const held = n === "metadata" ? "read" : grant.permissions[n];
    return held === "write" || (held === "read" && need.access === "read");
  });
  if (!granted) throw new ApiError(403, "Resource not accessible by integration");
}
