import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** The protobuf-ts message types `@actions/artifact` ships for its twirp service (JSON side only). */
export interface MessageType {
  fromJson(json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
  typeName: string;
}

export type ArtifactMessages = Record<
  | "CreateArtifactRequest"
  | "CreateArtifactResponse"
  | "FinalizeArtifactRequest"
  | "FinalizeArtifactResponse"
  | "ListArtifactsRequest"
  | "ListArtifactsResponse"
  | "GetSignedArtifactURLRequest"
  | "GetSignedArtifactURLResponse"
  | "DeleteArtifactRequest"
  | "DeleteArtifactResponse",
  MessageType
>;

let cached: Promise<ArtifactMessages> | undefined;

/**
 * Loads the generated message types from the installed `@actions/artifact`, the very code its client
 * serialises with. They are not in the package's `exports`, so the file is found on the module paths.
 */
export function loadArtifactMessages(): Promise<ArtifactMessages> {
  cached ??= (async () => {
    const require = createRequire(import.meta.url);
    const dirs = require.resolve.paths("@actions/artifact") ?? [];
    const file = dirs
      .map((d) => join(d, "@actions/artifact/lib/generated/index.js"))
      .find((f) => existsSync(f));
    if (!file) throw new Error("github-sim: @actions/artifact is not installed");
    return (await import(pathToFileURL(file).href)) as ArtifactMessages;
  })();
  return cached;
}
