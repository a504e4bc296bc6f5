import type { SimApp, SimLabel, SimRepo, SimUser } from "./model.js";
import type { StateCore } from "./state-core.js";

/**
 * REST representations of users, repositories, labels and apps, filled from state the way GitHub
 * fills them (urls included), so they pass the response schemas without any filler.
 */

export function renderUser(core: StateCore, user: SimUser): Record<string, unknown> {
  const url = `${core.apiUrl}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: user.nodeId,
    avatar_url: `${core.serverUrl}/avatars/u/${user.id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${core.serverUrl}/${encodeURIComponent(user.login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type,
    user_view_type: "public",
    site_admin: false,
  };
}

/** A repository with the fields of `full-repository`, `repository` and `minimal-repository` at once. */
export function renderRepo(core: StateCore, repo: SimRepo): Record<string, unknown> {
  const url = `${core.apiUrl}/repos/${repo.fullName}`;
  const html = `${core.serverUrl}/${repo.fullName}`;
  const host = new URL(core.serverUrl).host;
  const openIssues = [...repo.issues.values()].filter((i) => i.state === "open").length;
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    owner: renderUser(core, repo.owner),
    private: repo.private,
    visibility: repo.private ? "private" : "public",
    html_url: html,
    description: repo.description,
    fork: repo.parent !== null,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.fullName}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${html}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: html,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    allow_forking: true,
    web_commit_signoff_required: false,
    pushed_at: repo.pushedAt,
    created_at: repo.createdAt,
    updated_at: repo.updatedAt,
    subscribers_count: 0,
    network_count: 0,
    license: null,
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
  };
}

export function renderLabel(core: StateCore, repo: SimRepo, label: SimLabel): Record<string, unknown> {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${core.apiUrl}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: false,
  };
}

/** An app as `integration` / `nullable-integration` describes it. */
export function renderApp(core: StateCore, app: SimApp): Record<string, unknown> {
  return {
    id: app.id,
    slug: app.slug,
    node_id: app.nodeId,
    client_id: app.clientId,
    owner: renderUser(core, app.owner),
    name: app.name,
    description: null,
    external_url: `${core.serverUrl}/apps/${app.slug}`,
    html_url: `${core.serverUrl}/apps/${app.slug}`,
    created_at: "2024-01-01T00:00:00Z",
    updated_at: "2024-01-01T00:00:00Z",
    permissions: { ...app.permissions },
    events: [...app.events],
  };
}

/** GitHub's `author_association` of a user on a repository. */
export function authorAssociation(repo: SimRepo, user: SimUser): string {
  if (repo.owner.id === user.id) return "OWNER";
  if (repo.collaborators.has(user.login.toLowerCase())) return "COLLABORATOR";
  return "CONTRIBUTOR";
}
