/**
 * `modelgate diff --base REF`: a local preview of the pull request comment. The champion is the
 * production version in the registry as of REF; the challenger is the working tree. With
 * `--retrain-base`, the model spec as of REF is trained again (in a temporary worktree, on REF's
 * data) and stands in for the champion, which separates spec changes from data changes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExitCode, InputError, UsageError } from "../../src/errors.js";
import { renderMarkdown } from "../../src/report/render-markdown.js";
import type { Champion } from "../../src/model/load-model.js";
import { evaluateProject } from "../../src/run/evaluate-project.js";
import {
  loadChampion,
  readRegistry,
  registryDirOf,
  type RegistrySource,
} from "../../src/model/load-model.js";
import { metricHistory, reportFiles } from "../../src/run/report-files.js";
import { trainModel } from "../../src/run/train-model.js";
import { displayPath, loadProject } from "../../src/project/load-project.js";
import { defineCommand, type CommandDefinition } from "../args.js";
import { isShallow, repositoryRoot, resolveRef, showFile, showFileBytes } from "../git.js";
import type { Io } from "../io.js";
import { progressReporter } from "../progress.js";
import { renderTerminal } from "../render-terminal.js";

const definition = {
  name: "diff",
  summary: "preview the pull request comment: the working tree against the production model as of a git ref",
  usage: "modelgate diff --base REF [--config FILE] [--model NAME] [--out DIR] [--retrain-base]",
  details: [
    "      --base REF        the commit, branch or tag to compare with (e.g. origin/main)",
    "      --retrain-base    train the spec as of REF again and compare with that instead",
    "  -m, --model NAME      only this model (repeatable)",
    "  -o, --out DIR         also write report.json, report.md and report.html there",
  ],
  options: {
    base: { type: "string" },
    "retrain-base": { type: "boolean", default: false },
    model: { type: "string", short: "m", multiple: true },
    out: { type: "string", short: "o" },
  },
} satisfies CommandDefinition;

export const diffCommand = defineCommand(definition, async ({ values }, io) => {
  if (!values.base)
    throw new UsageError("diff: --base REF is required", "for example: modelgate diff --base origin/main");
  const project = loadProject(path.resolve(io.cwd, values.config), {
    only: values.model,
    displayBase: io.cwd,
  });
  const repo = repositoryRoot(project.root);
  if (!repo)
    throw new UsageError("diff: this is not a git repository", "modelgate diff compares with a git ref");
  const commit = resolveRef(repo, values.base);
  if (!commit)
    throw new UsageError(
      `diff: the repository has no commit "${values.base}"`,
      isShallow(repo)
        ? `this is a shallow clone: fetch it first, e.g. \`git fetch --depth=1 origin ${values.base.replace(/^origin\//, "")}\` (or \`git fetch --unshallow\`)`
        : `check the name (git branch -a lists branches), or fetch it: \`git fetch origin ${values.base.replace(/^origin\//, "")}\``,
    );
  const fromRepo = path.relative(repo, project.root).split(path.sep).join("/");
  const atBase: RegistrySource = {
    describe: `${values.base} (${commit.slice(0, 7)})`,
    read: async (p) => showFile(repo, commit, fromRepo ? `${fromRepo}/${p}` : p),
    readBytes: async (p) => showFileBytes(repo, commit, fromRepo ? `${fromRepo}/${p}` : p),
  };
  const registryDir = registryDirOf(project.root, project.registryDir);
  const progress = progressReporter(io);
  const retrained = values["retrain-base"]
    ? await retrainAtBase(
        repo,
        commit,
        values.base,
        path.relative(repo, path.resolve(io.cwd, values.config)),
        values.model,
        io,
      )
    : null;
  const result = await evaluateProject(project, {
    displayBase: io.cwd,
    championOf: (model) =>
      retrained ? (retrained.get(model) ?? null) : loadChampion(atBase, registryDir, model),
    head: { sha: null, ref: "working tree" },
    base: { sha: commit, ref: values.base },
    onProgress: (e) => progress.update(e),
  });
  progress.done();
  const history = metricHistory(await readRegistry(atBase, registryDir), result.report);
  io.out(renderTerminal(result.report));
  io.out(`\n---- the pull request comment ----\n\n${renderMarkdown(result.report, { history })}\n`);
  if (values.out) {
    const out = path.resolve(io.cwd, values.out);
    for (const [name, content] of Object.entries(reportFiles(result.report, result.evaluations, history))) {
      mkdirSync(path.dirname(path.join(out, name)), { recursive: true });
      writeFileSync(path.join(out, name), content);
    }
    io.out(
      `wrote ${displayPath(io.cwd, path.join(out, "report.html"))} and the rest of the report in ${displayPath(io.cwd, out)}\n`,
    );
  }
  if (result.invalid.length > 0) throw new InputError(result.invalid.flatMap((i) => i.problems));
  return result.report.passed ? ExitCode.ok : ExitCode.gateFailed;
});

/** Trains every model of the project as it was at `commit`, in a temporary worktree. */
async function retrainAtBase(
  repo: string,
  commit: string,
  ref: string,
  configFromRepo: string,
  only: string[] | undefined,
  io: Io,
): Promise<Map<string, Champion>> {
  const dir = mkdtempSync(path.join(tmpdir(), "modelgate-base-"));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "pipe" });
  git("worktree", "add", "--detach", dir, commit);
  try {
    const base = loadProject(path.join(dir, configFromRepo), { only, displayBase: dir });
    const out = new Map<string, Champion>();
    for (const m of base.models) {
      const trained = await trainModel(m, { displayBase: dir });
      trained.release();
      out.set(m.name, {
        alias: `spec at ${ref}, retrained`,
        version: 0,
        model: trained.model,
        sha256: trained.modelSha256,
      });
    }
    io.err(`trained ${out.size} model(s) as of ${ref} (${commit.slice(0, 7)})\n`);
    return out;
  } finally {
    git("worktree", "remove", "--force", dir);
    rmSync(dir, { recursive: true, force: true });
  }
}
