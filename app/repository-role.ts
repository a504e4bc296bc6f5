/**
 * A person's role on the repository, asked through the API when the event happens (a role
 * granted or taken away a minute ago counts), and whether it is enough to promote.
 */
import type { GitHubClient, RepoRef } from "./github-client.js";
import { statusOf } from "./github-client.js";

export type RepoRole = "none" | "read" | "triage" | "write" | "maintain" | "admin";
export type PromoterLevel = "write" | "maintain" | "admin";

const RANK: Record<RepoRole, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

/** What the collaborator-permission endpoint answers that the role is read from. */
export interface PermissionAnswer {
  permission: string;
  role_name?: string;
  user?: {
    permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean };
  } | null;
}

/**
 * The role from GitHub's answer: the user's permission flags when present (they also cover
 * custom roles), else `role_name`, else the legacy `permission` (where maintain reads "write").
 */
export function roleOf(answer: PermissionAnswer): RepoRole {
  const p = answer.user?.permissions;
  if (p) {
    if (p.admin) return "admin";
    if (p.maintain) return "maintain";
    if (p.push) return "write";
    if (p.triage) return "triage";
    if (p.pull) return "read";
  }
  const named = answer.role_name as RepoRole | undefined;
  if (named && named in RANK) return named;
  const legacy = answer.permission as RepoRole;
  return legacy in RANK ? legacy : "none";
}

/** Whether `role` is at least `needed`. */
export function mayPromote(role: RepoRole, needed: PromoterLevel): boolean {
  return RANK[role] >= RANK[needed];
}

/** The role of `login` now; `none` for someone GitHub does not know as a collaborator. */
export async function fetchRole(client: GitHubClient, repo: RepoRef, login: string): Promise<RepoRole> {
  try {
    const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: login });
    return roleOf(data);
  } catch (error) {
    if (statusOf(error) === 404) return "none";
    throw error;
  }
}
