/** Uploads one model's report folder as a workflow artifact through the Actions results service. */
import path from "node:path";

export async function uploadModelArtifact(
  name: string,
  dir: string,
  files: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
    // Outside a runner (a local run) there is no artifact service to upload to.
    return;
  }
  // Loaded only when there is something to upload: the client is most of the bundle's weight.
  const { DefaultArtifactClient } = await import("@actions/artifact");
  const client = new DefaultArtifactClient();
  await client.uploadArtifact(
    name,
    files.map((f) => path.join(dir, f)),
    dir,
    { retentionDays: 30 },
  );
}
