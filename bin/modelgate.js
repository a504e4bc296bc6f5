#!/usr/bin/env node
// The bundle of the command line (npm run build): it loads faster than build/cli/main.js.
import { main } from "../build/cli-bundle/main.js";

// `modelgate run | head` closes the pipe early: that is not an error.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
