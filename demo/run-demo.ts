/**
 * `npm run demo`: the pull-request lifecycle against a local GitHub, narrated step by step as a
 * person would see it on GitHub. No GitHub account needed; everything stays on this machine.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLifecycle, type Observation } from "./lifecycle-story.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

const explain: Record<string, string> = {
  setup: "A repository like examples/cars: specs, data, and a registry whose production model is v1.",
  open: "The author changes the model spec and opens a pull request.",
  evaluate:
    "The pull request's workflow runs the modelgate Action with a read-only token: it trains the candidate,\n" +
    "scores it beside production v1 on the same test rows, and uploads report.json as an artifact.\n" +
    "The app reads that artifact, renders the comment from it, and sets the check.",
  label: "A maintainer asks for promotion. The app checks their permission and the latest report.",
  merge:
    "On merge, the app commits the new version to the registry on main and records a deployment, queued:\n" +
    "the model server (modelgate serve) sees the alias move, loads and checks v2, swaps, and reports it serving.",
  worse: "Another pull request makes the model worse: the gate fails and the job fails.",
  refused: "A promotion label on a failing pull request is refused and removed, with the reason.",
  fork: "A pull request from a fork runs with a read-only token and no secrets; the app still comments.",
  data:
    "A pull request changes only the data: the comment opens with one line saying how (rows added and\n" +
    "removed, drift, new values), from the profile stored with the production model.",
  rollback:
    "A maintainer rolls production back by a comment command: one registry commit, one deployment,\n" +
    "and the model server serves v1 again.",
};

function show(o: Observation, n: number): void {
  console.log(`\n${bold(`${n}. ${o.headline}`)}`);
  if (explain[o.step]) console.log(dim(explain[o.step]!.replace(/^/gm, "   ")));
  if (o.checks && Object.keys(o.checks).length > 0)
    console.log(
      `   checks: ${Object.entries(o.checks)
        .map(([k, v]) => `${k} ${v === "success" ? "✓" : v === "failure" ? "✗" : (v ?? "…")}`)
        .join(", ")}`,
    );
  if (o.labels) console.log(`   labels: ${o.labels.length ? o.labels.join(", ") : "(none)"}`);
  const mpg = o.registry?.models["mpg"];
  if (mpg)
    console.log(
      `   registry on main: mpg ${Object.entries(mpg.aliases)
        .map(([a, v]) => `${a} -> v${v}`)
        .join(", ")}, ${mpg.versions.length} version(s)`,
    );
  if (o.deployments?.length)
    console.log(
      `   deployments: ${o.deployments.map((d) => `${d.environment}@${d.sha.slice(0, 7)} [${d.states.join(" -> ")}]`).join(", ")}`,
    );
  for (const d of o.details ?? [])
    if (d)
      console.log(
        d
          .replace(/<!--.*?-->\n?/g, "")
          .trim()
          .replace(/^/gm, "   │ "),
      );
  if (o.comment && o.step !== "evaluate") {
    const headline = o.comment.split("\n").find((l) => l.startsWith("## "));
    const dataLine = o.comment.split("\n").find((l) => l.startsWith("**Data changed:**"));
    if (dataLine) console.log(`   comment: ${dataLine.replace(/\*\*/g, "")}`);
    if (headline) console.log(`   comment: ${headline.slice(3)}`);
  }
}

/** The markdown comment, made easier to read in a terminal. */
function readable(markdown: string): string {
  return markdown
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<\/?(details|summary|sub)>/g, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const started = Date.now();
console.log(bold("modelgate demo: a pull request's life against a local GitHub"));
let n = 0;
let firstComment = "";
const result = await runLifecycle({
  root,
  actionBundle: path.join(root, "dist/index.js"),
  observe: (o) => {
    show(o, ++n);
    if (o.step === "evaluate" && o.comment) firstComment = o.comment;
  },
});

console.log(`\n${bold("The comment the app posted on the first pull request:")}\n`);
console.log(readable(firstComment).replace(/^/gm, "   "));
console.log(`\n${bold("Registry history of mpg (.modelgate/registry.json on main):")}`);
for (const line of result.history) console.log(`   ${line}`);
const out = path.join(root, "out/demo");
mkdirSync(out, { recursive: true });
writeFileSync(path.join(out, "report.html"), result.promotedHtml);
console.log(
  `\nThe HTML report of the promoted run: ${path.relative(process.cwd(), path.join(out, "report.html"))}`,
);
if (result.violations.length > 0) {
  console.error(`\nGitHub API contract violations:\n${result.violations.join("\n")}`);
  process.exitCode = 1;
}
console.log(dim(`\nfinished in ${((Date.now() - started) / 1000).toFixed(1)} s`));
