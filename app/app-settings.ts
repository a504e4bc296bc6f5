/**
 * The app's settings: the `app:` section and `registry` folder of the root `modelgate.yml`,
 * read from the default branch only (a pull request cannot change how it is judged). The rest
 * of the file is the Action's business and is not validated here.
 */
import { posix } from "node:path";
import { z } from "zod";
import type { Problem } from "../src/errors.js";
import { DEFAULT_REGISTRY_DIR } from "../src/registry/registry-document.js";
import { parseYamlSpec } from "../src/project/read-yaml-spec.js";
import { appConfigSchema, type AppConfig } from "../src/project/schemas.js";
import type { GitHubClient, RepoRef } from "./github-client.js";
import { readRepoFile } from "./repo-files.js";

/** The configuration file, at the repository root. */
export const CONFIG_FILE = "modelgate.yml";

/** What the app needs from modelgate.yml. */
export interface AppSettings {
  config: AppConfig;
  /** The registry folder as a POSIX path from the repository root, e.g. `.modelgate`. */
  registryDir: string;
  /** Whether modelgate.yml exists on the default branch (the defaults apply when it does not). */
  found: boolean;
}

export type SettingsResult = { ok: true; settings: AppSettings } | { ok: false; problems: Problem[] };

const registryDir = z
  .string()
  .min(1)
  .refine((p) => !posix.isAbsolute(p) && !posix.normalize(p).split("/").includes(".."), {
    message: "the registry folder must be a relative path inside the repository",
  });

/** Only the keys the app reads; the others belong to the Action and pass through. */
const settingsSchema = z.looseObject({
  registry: registryDir.default(DEFAULT_REGISTRY_DIR),
  app: appConfigSchema.prefault({}),
});

/** The defaults of every `app:` key (documented in app/README.md). */
export function defaultSettings(): AppSettings {
  return { config: appConfigSchema.parse({}), registryDir: DEFAULT_REGISTRY_DIR, found: false };
}

/**
 * Parses modelgate.yml's text (null when the file is absent: the defaults). Problems name the
 * file, line and column.
 */
export function parseAppSettings(text: string | null): SettingsResult {
  if (text === null) return { ok: true, settings: defaultSettings() };
  const problems: Problem[] = [];
  const parsed = parseYamlSpec(text, CONFIG_FILE, settingsSchema, problems);
  if (!parsed) return { ok: false, problems };
  const dir = posix.normalize(parsed.value.registry).replace(/\/+$/, "");
  return { ok: true, settings: { config: parsed.value.app, registryDir: dir, found: true } };
}

/** Reads and parses modelgate.yml at `ref` of the default branch. */
export async function readAppSettings(
  client: GitHubClient,
  repo: RepoRef,
  ref: string,
): Promise<SettingsResult> {
  return parseAppSettings(await readRepoFile(client, repo, CONFIG_FILE, ref));
}

/** The alias a label asks for (`promote:production` -> `production`), or null for other labels. */
export function aliasOfLabel(config: AppConfig, label: string): string | null {
  if (!label.startsWith(config.labelPrefix)) return null;
  return label.slice(config.labelPrefix.length);
}

/** The workflow file a run came from, without a `@ref` suffix (reusable and called workflows). */
export function workflowPathOf(path: string): string {
  return path.replace(/@.*$/, "").replace(/^\.?\//, "");
}
