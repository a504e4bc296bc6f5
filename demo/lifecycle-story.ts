/**
 * The whole pull-request lifecycle, end to end, against a local GitHub: the GitHub simulator
 * (test/github-sim), the App's real server with signature checks on, and the Action's committed
 * bundle run as a runner runs it (a separate node process with a runner's environment).
 * `npm run demo` narrates it; test/e2e asserts every step's state.
 */
import path from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { ProbotOctokit } from "probot";
import { startServer, type RunningServer } from "../app/server.js";
import { appManifest, exampleFiles } from "./example-files.js";
import { parseRegistry, type Registry } from "../src/registry/registry-document.js";
import { describeEvent } from "../src/registry/registry-transitions.js";
import { startGitHubSim, type GitHubSim } from "../test/github-sim/index.js";
import { simOctokitOptions, simProbotOctokit } from "../test/github-sim/octokit-options.js";
import { Octokit as RestClient } from "octokit";
import { openServer } from "../serve/open-server.js";
import type { RunningServer as ModelServer } from "../serve/start-server.js";

export const OWNER = "acme";
export const NAME = "fuel-economy";
export const REPO = `${OWNER}/${NAME}`;
const WORKFLOW = ".github/workflows/modelgate.yml";
const LABEL = "promote:production";
/** A row the model server is asked about after each move of production. */
const SAMPLE_CAR = {
  Weight_in_lbs: 3193,
  Horsepower: 110,
  Displacement: 250,
  Acceleration: 16,
  Cylinders: 6,
  Year: "1976-01-01",
  Origin: "USA",
};
const SECRET = "lifecycle-webhook-secret";

/** What a person would see on GitHub after a step. */
export interface Observation {
  step: string;
  /** One line of what happened, as a person would put it. */
  headline: string;
  pull?: number;
  /** The App's sticky comment on the pull request, when there is one. */
  comment?: string;
  /** Check runs on the head commit: name -> conclusion. */
  checks?: Record<string, string | null>;
  labels?: string[];
  /** The Action's job conclusion. */
  job?: string;
  /** The registry on the default branch after the step. */
  registry?: Registry;
  deployments?: { environment: string; sha: string; states: string[] }[];
  /** Lines worth showing (an excerpt, a message). */
  details?: string[];
}

export interface LifecycleOptions {
  /** Path of the Action's bundle (dist/index.js). */
  actionBundle: string;
  /** Folder holding examples/cars. */
  root: string;
  /** Called after every step. */
  observe?: (o: Observation) => void;
}

export interface LifecycleResult {
  observations: Observation[];
  /** The HTML report of the promoted run, as the Action uploaded it. */
  promotedHtml: string;
  history: string[];
  violations: string[];
}

/** The first production model's spec: the one registry v1 was trained from. */
const V1_SPEC = `# yaml-language-server: $schema=https://modelgate.dev/schemas/model.schema.json
description: Fuel economy (miles per gallon) from weight, horsepower and model year.
data: ../data/cars.data.yml
task: regression
target: Miles_per_Gallon
features: [Weight_in_lbs, Horsepower, Year]
algorithm: { type: linear }
metrics:
  primary: rmse
  report: [rmse, mae, r2, mape, max_error]
slices: [Origin]
gate:
  rmse: { max: 4.5, maxRelativeWorsening: "2%" }
  r2: { min: 0.7 }
`;

const WORSE_SPEC = V1_SPEC.replace(
  "features: [Weight_in_lbs, Horsepower, Year]",
  "features: [Acceleration]",
).replace(
  "description: Fuel economy (miles per gallon) from weight, horsepower and model year.",
  "description: Fuel economy from acceleration alone.",
);

const WORKFLOW_FILE = readableWorkflow();
function readableWorkflow(): string {
  return [
    "name: modelgate",
    "on: [pull_request]",
    "permissions: { contents: read }",
    "jobs:",
    "  evaluate:",
    "    runs-on: ubuntu-latest",
    "    steps:",
    "      - uses: actions/checkout@v4",
    "      - uses: modelgate/modelgate@v1",
    "",
  ].join("\n");
}

/** Runs the story; every step's observation goes to `observe` and into the result. */
export async function runLifecycle(options: LifecycleOptions): Promise<LifecycleResult> {
  const observations: Observation[] = [];
  const note = (o: Observation) => {
    observations.push(o);
    options.observe?.(o);
  };
  const sim: GitHubSim = await startGitHubSim();
  let server: RunningServer | undefined;
  let models: ModelServer | undefined;
  try {
    // 1. A repository like examples/cars, with production v1 in its registry, and the App installed.
    const files = exampleFiles(options.root, "cars");
    const richerSpec = files["models/mpg.model.yml"]!;
    files["models/mpg.model.yml"] = V1_SPEC;
    files[WORKFLOW] = WORKFLOW_FILE;
    // A model server follows the registry: the App leaves deployments queued for it.
    files["modelgate.yml"] = `${files["modelgate.yml"]!.trimEnd()}\n  server: {}\n`;
    sim.state.createRepo({ owner: OWNER, name: NAME, files, description: "fuel economy models" });
    sim.state.addCollaborator(REPO, "maya", "write");
    sim.state.addCollaborator(REPO, "sam", "read");
    const { permissions, events } = appManifest(options.root);
    const app = sim.state.createApp({ slug: "modelgate", permissions, events });
    sim.state.installApp(app, OWNER);
    const Octokit = simProbotOctokit(ProbotOctokit, sim);
    server = await startServer(
      {
        appId: String(app.id),
        privateKey: app.privateKey,
        secret: SECRET,
        port: 0,
        host: "127.0.0.1",
        webhookPath: "/api/github/webhooks",
        baseUrl: sim.url,
        logLevel: "fatal",
        development: false,
      },
      { Octokit },
    );
    sim.webhooks.configure({ url: `${server.url}/api/github/webhooks`, secret: SECRET });
    // `modelgate serve --github acme/fuel-economy --deployments`, polled by hand so the story is repeatable.
    models = await openServer({
      configFile: path.join(options.root, "examples/cars/modelgate.yml"),
      alias: "production",
      host: "127.0.0.1",
      port: 0,
      pollMs: 0,
      maxBodyBytes: 1_000_000,
      maxRows: 1000,
      batchWaitMs: 0,
      batchMaxRows: 1024,
      logSample: 0,
      logPayloads: false,
      drainMs: 1000,
      log: { event() {}, request() {} },
      github: {
        client: new RestClient(simOctokitOptions(sim, { auth: sim.state.userToken(OWNER) })),
        owner: OWNER,
        repo: NAME,
        branch: "main",
      },
      deployments: {},
    });
    const modelServer = models;
    const served = async () => {
      await modelServer.refresh();
      const res = await fetch(`${modelServer.url}/invocations`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dataframe_records: [SAMPLE_CAR] }),
      });
      const body = (await res.json()) as { predictions?: number[] };
      return `model server ${modelServer.url}: production v${res.headers.get("x-model-version")} answers ${body.predictions?.[0]?.toFixed(2)} mpg for a 1976 Chevrolet Nova`;
    };
    note({
      step: "setup",
      headline: `${REPO}: the cars example with production v1 in .modelgate/, the modelgate app installed (${server.url}), a model server following it`,
      registry: registryAt(sim),
    });

    const runWorkflow = async (pull: number) => {
      const result = await sim.runWorkflow({
        repo: REPO,
        pullNumber: pull,
        path: WORKFLOW,
        name: "modelgate",
        job: { command: process.execPath, args: [options.actionBundle], timeoutMs: 120_000 },
        inputs: { "github-token": "${{ github.token }}", config: "modelgate.yml" },
      });
      await sim.webhooks.settle();
      return result;
    };
    const look = (pull: number): Pick<Observation, "comment" | "checks" | "labels"> => {
      const head = sim.state.issue(REPO, pull).pull!.headSha;
      const checks: Record<string, string | null> = {};
      for (const c of sim.state.checkRuns(REPO, head)) checks[c.name] = c.conclusion;
      const comment = sim.state
        .comments(REPO, pull)
        .find((c) => c.user.login === "modelgate[bot]" && c.body.includes("modelgate:sticky-comment"));
      return {
        checks,
        labels: sim.state.labels(REPO, pull),
        ...(comment ? { comment: comment.body } : {}),
      };
    };

    // 2. A pull request that adds features and a search.
    sim.state.pushCommit(REPO, {
      branch: "richer-features",
      from: "main",
      files: { "models/mpg.model.yml": richerSpec },
      message: "mpg: add displacement, acceleration, cylinders and origin; search alpha and a weight curve",
    });
    const first = sim.state.openPullRequest(REPO, {
      head: "richer-features",
      title: "Richer features for mpg",
      user: "maya",
    }).number;
    note({ step: "open", headline: `maya opens PR #${first}: richer features for mpg`, pull: first });
    const run1 = await runWorkflow(first);
    note({
      step: "evaluate",
      headline: `the workflow runs the modelgate Action: job ${run1.conclusion}, artifact ${run1.run.artifacts.map((a) => a.name).join(", ")}`,
      pull: first,
      job: run1.conclusion,
      ...look(first),
      details: [run1.outputs["summary"] ?? ""],
    });
    const promotedHtml = artifactFile(run1.run.artifacts, "modelgate-report-mpg", "report.html");

    // 3. A maintainer asks for promotion.
    sim.state.addLabels(REPO, first, [LABEL], "maya");
    await sim.webhooks.settle();
    note({ step: "label", headline: `maya adds the label ${LABEL}`, pull: first, ...look(first) });

    // 4. Merge: the App registers v2, moves production, deploys.
    const mergeCommit = sim.state.mergePullRequest(REPO, first, { by: "maya" });
    await sim.webhooks.settle();
    const servingV2 = await served();
    note({
      step: "merge",
      headline: `maya merges PR #${first} (${mergeCommit.slice(0, 7)}): the app commits the registry and deploys`,
      pull: first,
      ...look(first),
      registry: registryAt(sim),
      deployments: deployments(sim),
      details: [...promotionComment(sim, first), servingV2],
    });

    // 5. A pull request that makes the model worse.
    sim.state.pushCommit(REPO, {
      branch: "acceleration-only",
      from: "main",
      files: { "models/mpg.model.yml": WORSE_SPEC },
      message: "mpg: predict from acceleration alone",
    });
    const worse = sim.state.openPullRequest(REPO, {
      head: "acceleration-only",
      title: "Simpler mpg model",
      user: "maya",
    }).number;
    const run2 = await runWorkflow(worse);
    note({
      step: "worse",
      headline: `PR #${worse} makes the model worse: job ${run2.conclusion}`,
      pull: worse,
      job: run2.conclusion,
      ...look(worse),
    });
    sim.state.addLabels(REPO, worse, [LABEL], "maya");
    await sim.webhooks.settle();
    note({
      step: "refused",
      headline: `maya adds ${LABEL} to PR #${worse}: refused`,
      pull: worse,
      ...look(worse),
      details: promotionComment(sim, worse),
    });

    // 6. A pull request from a fork: its workflow token cannot write, yet the comment appears.
    const fork = sim.state.fork(REPO, "sam");
    sim.state.pushCommit(fork, {
      branch: "main",
      files: { "README.md": "Notes on the fuel economy data.\n" },
      message: "docs: a note on the data",
    });
    const fromFork = sim.state.openPullRequest(REPO, {
      head: "main",
      from: fork,
      title: "A note on the data",
      user: "sam",
    }).number;
    const run3 = await runWorkflow(fromFork);
    note({
      step: "fork",
      headline: `sam opens PR #${fromFork} from a fork: its token is read-only; job ${run3.conclusion}`,
      pull: fromFork,
      job: run3.conclusion,
      ...look(fromFork),
    });

    // 7. A pull request that changes only the data: 4 cars removed, 200 heavier ones added.
    const cars = JSON.parse(files["data/cars.json"]!) as Record<string, unknown>[];
    const heavier = cars.slice(0, 200).map((car) => ({
      ...car,
      Name: `${String(car["Name"])} wagon`,
      Weight_in_lbs: Math.round(Number(car["Weight_in_lbs"]) * 1.4),
    }));
    sim.state.pushCommit(REPO, {
      branch: "more-cars",
      from: "main",
      files: { "data/cars.json": JSON.stringify([...cars.slice(4), ...heavier], null, 1) + "\n" },
      message: "data: 200 station wagons; drop 4 cars",
    });
    const dataOnly = sim.state.openPullRequest(REPO, {
      head: "more-cars",
      title: "More cars",
      user: "maya",
    }).number;
    const run4 = await runWorkflow(dataOnly);
    note({
      step: "data",
      headline: `PR #${dataOnly} changes only the data: job ${run4.conclusion}`,
      pull: dataOnly,
      job: run4.conclusion,
      ...look(dataOnly),
    });

    // 8. A rollback by command.
    sim.state.addComment(REPO, first, "/modelgate rollback mpg 1", "maya");
    await sim.webhooks.settle();
    const servingV1 = await served();
    note({
      step: "rollback",
      headline: `maya comments "/modelgate rollback mpg 1" on PR #${first}`,
      pull: first,
      registry: registryAt(sim),
      deployments: deployments(sim),
      details: sim.state
        .comments(REPO, first)
        .filter((c) => c.user.login === "modelgate[bot]" && c.body.includes("modelgate:command:"))
        .map((c) => c.body)
        .concat(servingV1),
    });

    const registry = registryAt(sim);
    return {
      observations,
      promotedHtml,
      history: registry ? (registry.models["mpg"]?.events ?? []).map((e) => describeEvent("mpg", e)) : [],
      violations: sim.violations.map((v) => `${v.operationId ?? "?"} ${v.direction} ${v.message}`),
    };
  } finally {
    await sim.webhooks.settle();
    await models?.drain(1000);
    await server?.close();
    await sim.close();
  }
}

function registryAt(sim: GitHubSim): Registry | undefined {
  const text = sim.state.readFile(REPO, "main", ".modelgate/registry.json");
  return text === null || text === undefined ? undefined : parseRegistry(String(text));
}

function deployments(sim: GitHubSim) {
  return sim.state.deployments(REPO).map((d) => ({
    environment: d.environment,
    sha: d.sha,
    states: d.statuses.map((s) => s.state),
  }));
}

function promotionComment(sim: GitHubSim, pull: number): string[] {
  return sim.state
    .comments(REPO, pull)
    .filter((c) => c.user.login === "modelgate[bot]" && c.body.includes("modelgate:promotion"))
    .map((c) => c.body);
}

function artifactFile(artifacts: { name: string; content: Buffer }[], name: string, file: string): string {
  const artifact = artifacts.find((a) => a.name === name);
  const entry = artifact ? unzipSync(new Uint8Array(artifact.content))[file] : undefined;
  return entry ? strFromU8(entry) : "";
}
