/**
 * Uploads one model's report folder as a workflow artifact through the Actions results service,
 * with the toolkit's artifact client (which honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY itself).
 */
import path from "node:path";
import * as core from "@actions/core";
import { explainGitHubError } from "./github-errors.js";

let warnedGhes = false;

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
  try {
    await client.uploadArtifact(
      name,
      files.map((f) => path.join(dir, f)),
      dir,
      { retentionDays: 30 },
    );
  } catch (error) {
    if ((error as Error).name === "GHESNotSupportedError") {
      // The toolkit's artifact service (upload-artifact v4) does not exist on GitHub Enterprise Server.
      if (!warnedGhes)
        core.warning(
          `Artifacts are not uploaded on GitHub Enterprise Server (${env.GITHUB_SERVER_URL}): the Actions toolkit's artifact service is github.com's only. Upload the folder ${path.dirname(dir)} with actions/upload-artifact@v3 instead, and set upload-artifact: false.`,
        );
      warnedGhes = true;
      return;
    }
    throw explainGitHubError(error, {
      doing: `uploading the artifact ${name}`,
      url: env.ACTIONS_RESULTS_URL,
    });
  }
}
