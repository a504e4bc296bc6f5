#!/usr/bin/env node
// The GitHub App's server from the npm package (build/app-bundle/, made by npm run build).
// Probot is an optional peer dependency: installing the command line does not pull it in.
try {
  await import("probot");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !String(error.message).includes("'probot'")) throw error;
  console.error(
    "modelgate-app: the App's server needs Probot, which is not installed.\n" +
      "  hint: npm install probot@^14 (beside modelgate), then run modelgate-app again",
  );
  process.exit(2);
}
const { main } = await import("../build/app-bundle/server.js");
await main();
