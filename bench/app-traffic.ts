/**
 * The app under a burst of traffic (issue 28), part of `npm run bench`: 200 `workflow_run.completed`
 * deliveries over 40 pull requests (per PR four runs: `pull_request`, `workflow_dispatch`,
 * `schedule`, and a re-run of the first, plus one delivery sent twice), shuffled (seeded) and sent
 * 32 at a time to 4 replicas of the app (each the real server with its own Probot and Octokit, in
 * a process apart from the simulator's: bench/app-replicas-child.ts; `--processes 4` gives each
 * replica a process) behind a round-robin balancer, against the GitHub simulator on loopback,
 * which answers 5% of the app's comment, check and GraphQL requests with a secondary rate limit
 * (`retry-after: 1`; a second of waiting lasts 10 ms here). Before the burst, two deliveries per
 * replica (not measured) bring what a running deployment has: installation tokens, the default
 * branch's snapshot, compiled code.
 *
 * Prints deliveries handled and lost, PRs with other than one modelgate comment, PRs whose comment
 * is not the newest report, API calls per event, and the handling time per delivery (p50, p99).
 * It measures and prints; it exits 0 whatever the numbers.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpus, loadavg } from "node:os";
import { markdownTable } from "markdown-table";
import type { HandledEvent } from "../app/modelgate-app.js";
import type { RetryEvent } from "../app/octokit-resilience.js";
import { COMMENT_MARKER } from "../app/plan-comment.js";
import { compareVersions, readVersionLine, type ReportVersion } from "../app/report-version.js";
import { appManifest, exampleFiles } from "../demo/example-files.js";
import { canonicalJson } from "../src/canonical-json.js";
import { mulberry32 } from "../src/random.js";
import { evaluateProject } from "../src/run/evaluate-project.js";
import { loadChampion, registryDirOf, workingTreeSource } from "../src/model/load-model.js";
import { loadProject } from "../src/project/load-project.js";
import {
  createFaults,
  startGitHubSim,
  githubGraphQLSchema,
  type HeldDelivery,
  type Permissions,
} from "../test/github-sim/index.js";
import type { ReplicasConfig } from "./app-replicas-child.js";
import { quantile } from "./serve-bench-load.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const REPO = "acme/models";
const WORKFLOW = ".github/workflows/modelgate.yml";
const SECRET = "bench-secret";
const PULLS = 40;
const REPLICAS = 4;
const IN_FLIGHT = 32;
const RATE_LIMITED = 0.05;
/** `--cold`: no warm-up, the burst meets replicas that have handled nothing yet. */
const WARM_UP = process.argv.includes("--cold") ? 0 : 2 * REPLICAS;
const processesArg = process.argv.indexOf("--processes");
const PROCESSES =
  processesArg > 0 ? Math.max(1, Math.min(REPLICAS, Number(process.argv[processesArg + 1]) || REPLICAS)) : 1;

/** What the replicas' process sends. */
interface ReplicasMessage {
  urls?: string[];
  handled?: HandledEvent;
  retry?: RetryEvent;
  cpu?: NodeJS.CpuUsage;
}

/** User and system CPU time, in milliseconds. */
const cpuMs = (cpu: NodeJS.CpuUsage) => (cpu.user + cpu.system) / 1000;

/** `1: 120 · 2: 40 · 5: 30`: how many values of each. */
function histogram(values: number[]): string {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => a[0] - b[0])
    .map(([v, n]) => `${v}: ${n}`)
    .join(" · ");
}

/** The nearest-rank percentile `p` of `values` (the serving bench's quantile). */
function percentile(values: number[], p: number): number {
  return quantile(
    [...values].sort((a, b) => a - b),
    p / 100,
  );
}

async function main(): Promise<void> {
  const cars = path.join(root, "examples/cars");
  const project = loadProject(path.join(cars, "modelgate.yml"), { displayBase: root });
  const source = workingTreeSource(project.root);
  const registryDir = registryDirOf(project.root, project.registryDir);
  const evaluated = await evaluateProject(project, {
    displayBase: root,
    championOf: (model) => loadChampion(source, registryDir, model),
    head: { sha: null, ref: null },
  });
  const modelText = evaluated.evaluations[0]!.modelText;
  const artifact = (headSha: string) => {
    const report = structuredClone(evaluated.report);
    report.head = { sha: headSha, ref: null };
    return { "report.json": canonicalJson(report), "models/mpg.json": modelText };
  };

  const sim = await startGitHubSim();
  // GitHub's GraphQL schema is built by the simulator on its first GraphQL request (0.3 s): built
  // here, so that no delivery waits for what GitHub never makes anyone wait for.
  githubGraphQLSchema();
  const manifest = appManifest(root) as { permissions: Permissions; events: string[] };
  const app = sim.state.createApp({ slug: "modelgate", ...manifest });
  sim.state.createRepo({ owner: "acme", name: "models", files: exampleFiles(root, "cars") });
  sim.state.installApp(app, "acme");
  const handled: HandledEvent[] = [];
  const retries: RetryEvent[] = [];
  // The replicas share a process of their own, apart from the simulator's
  // checking; `--processes N` spreads them over N processes (one each: `--processes 4`).
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "app-replicas-child.js");
  const startProcess = async (replicas: number) => {
    const process = fork(child, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const cpuAnswers: ((cpu: NodeJS.CpuUsage) => void)[] = [];
    const urls = await new Promise<string[]>((resolve, reject) => {
      process.once("exit", (code) => reject(new Error(`a replicas' process exited with ${code}`)));
      process.on("message", (message: ReplicasMessage) => {
        if (message.urls) resolve(message.urls);
        if (message.cpu) cpuAnswers.shift()?.(message.cpu);
        if (message.handled) handled.push(message.handled);
        if (message.retry) retries.push(message.retry);
      });
      const config: ReplicasConfig = {
        simUrl: sim.url,
        appId: String(app.id),
        privateKey: app.privateKey,
        secret: SECRET,
        replicas,
        msPerSecond: 10,
      };
      process.send(config);
    });
    const cpu = () =>
      new Promise<NodeJS.CpuUsage>((resolve) => {
        cpuAnswers.push(resolve);
        process.send("cpu");
      });
    const close = async () => {
      const exited = new Promise((resolve) => process.once("exit", resolve));
      process.send("close");
      await exited;
    };
    return { urls, cpu, close };
  };
  const perProcess = Array.from(
    { length: PROCESSES },
    (_, i) => Math.floor(REPLICAS / PROCESSES) + (i < REPLICAS % PROCESSES ? 1 : 0),
  );
  const processes = await Promise.all(perProcess.map(startProcess));
  // Round robin over the replicas, taking one process after another.
  const urls = processes
    .flatMap((p) => p.urls.map((url, i) => ({ url, i })))
    .sort((x, y) => x.i - y.i)
    .map((r) => r.url);
  const cpuOfReplicas = async () => {
    const all = await Promise.all(processes.map((p) => p.cpu()));
    return all.reduce((sum, c) => ({ user: sum.user + c.user, system: sum.system + c.system }), {
      user: 0,
      system: 0,
    });
  };
  sim.webhooks.configure({ url: urls[0]!, replicas: urls, secret: SECRET, hold: true });

  const openPull = (branch: string) => {
    sim.state.pushCommit(REPO, { branch, files: { [`notes/${branch}.md`]: `${branch}\n` } });
    const number = sim.state.openPullRequest(REPO, { head: branch }).number;
    return { number, head: sim.state.issue(REPO, number).pull!.headSha };
  };
  const completeRun = (branch: string, number: number, head: string, event: string) => {
    const run = sim.state.createWorkflowRun(REPO, {
      headSha: head,
      headBranch: branch,
      path: WORKFLOW,
      name: "modelgate",
      event,
      pullNumbers: event === "pull_request" ? [number] : [],
      actor: "acme",
    });
    sim.state.addArtifact(run, "modelgate-report-mpg", artifact(head));
    sim.state.completeWorkflowRun(REPO, run);
    return run;
  };
  const completedRuns = () =>
    sim.webhooks.takeHeld().filter((d) => d.event === "workflow_run" && d.action === "completed");

  // Warm-up, not measured: a running deployment has its installation token, the default branch's
  // snapshot and its code compiled; two first reports per replica (round robin) bring that here.
  for (let i = 0; i < WARM_UP; i++) {
    const { number, head } = openPull(`warm-up-${i}`);
    completeRun(`warm-up-${i}`, number, head, "pull_request");
  }
  await sim.webhooks.send(
    completedRuns().map((delivery) => ({ delivery })),
    { concurrency: 1 },
  );
  const runsHandled = () =>
    handled.filter((h) => h.event === "workflow_run" && h.action === "completed").length;
  for (const deadline = Date.now() + 10_000; runsHandled() < WARM_UP && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 10));
  const warmUp = handled.splice(0).filter((h) => h.event === "workflow_run" && h.action === "completed");

  // 40 PRs, four runs each (the fourth a re-run of the first), all completed before the burst.
  const newest = new Map<number, ReportVersion>();
  for (let i = 0; i < PULLS; i++) {
    const branch = `burst-${i}`;
    const { number, head } = openPull(branch);
    const runs = ["pull_request", "workflow_dispatch", "schedule"].map((event) =>
      completeRun(branch, number, head, event),
    );
    const first = runs[0]!;
    sim.state.rerunWorkflowRun(REPO, first);
    sim.state.addArtifact(first, "modelgate-report-mpg", artifact(head));
    sim.state.completeWorkflowRun(REPO, first);
    const last = runs[2]!;
    newest.set(number, { runId: last.id, attempt: 1, headSha: head });
  }
  const random = mulberry32(28);
  const completed = completedRuns();
  const burst: HeldDelivery[] = [...completed];
  for (let i = 0; i < PULLS; i++) burst.push(completed[(random() >>> 0) % completed.length]!);
  for (let i = burst.length - 1; i > 0; i--) {
    const j = (random() >>> 0) % (i + 1);
    [burst[i], burst[j]] = [burst[j]!, burst[i]!];
  }

  const faults = createFaults(
    [
      {
        kind: "secondary-rate-limit",
        retryAfter: 1,
        probability: RATE_LIMITED,
        operationId: /^(issues|checks)\/|^graphql$/,
      },
    ],
    28,
  );
  sim.setFaults(faults.hook);
  const exchangesBefore = sim.exchanges.length;
  const simCpu = process.cpuUsage();
  const replicasCpu = await cpuOfReplicas();
  const started = performance.now();
  await sim.webhooks.send(
    burst.map((delivery) => ({ delivery })),
    { concurrency: IN_FLIGHT },
  );
  const seconds = (performance.now() - started) / 1000;
  const simMs = cpuMs(process.cpuUsage(simCpu));
  // Each handled event comes over IPC, possibly just after its delivery's answer.
  for (const deadline = Date.now() + 10_000; runsHandled() < burst.length && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 10));
  const replicasAfter = await cpuOfReplicas();
  const appMs = cpuMs({
    user: replicasAfter.user - replicasCpu.user,
    system: replicasAfter.system - replicasCpu.system,
  });
  sim.setFaults(undefined);
  const requests = sim.exchanges.length - exchangesBefore;

  const answered = sim.webhooks.deliveries.slice(-burst.length);
  const ok = answered.filter((d) => d.status === 200).length;
  let extraComments = 0;
  let notNewest = 0;
  for (const [number, want] of newest) {
    const stickies = sim.state
      .comments(REPO, number)
      .filter((c) => c.user.login === "modelgate[bot]" && c.body.startsWith(COMMENT_MARKER));
    extraComments += Math.abs(stickies.length - 1);
    const got = stickies[0] ? readVersionLine(stickies[0].body) : null;
    if (stickies.length !== 1 || got === null || compareVersions(got, want) !== 0) notNewest += 1;
  }
  const runs = handled.filter((h) => h.event === "workflow_run" && h.action === "completed");
  const calls = runs.map((h) => h.apiCalls);
  const times = runs.map((h) => h.ms);
  const cpu = cpus();
  console.log(
    `\napp traffic: ${burst.length} workflow_run.completed deliveries over ${PULLS} PRs, ${REPLICAS} replicas in ${PROCESSES} ${PROCESSES === 1 ? "process" : "processes"}, ${IN_FLIGHT} in flight, ` +
      `${(RATE_LIMITED * 100).toFixed(0)}% of comment, check and GraphQL requests rate limited; node ${process.version}, ${cpu.length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}\n`,
  );
  console.log(
    markdownTable(
      [
        ["measure", "value"],
        ["deliveries handled (200)", `${ok} of ${burst.length}`],
        ["deliveries lost", String(burst.length - ok)],
        ["PRs with other than one modelgate comment (extra or missing)", String(extraComments)],
        ["PRs whose comment is not the newest report", String(notNewest)],
        ["secondary rate limits met and retried", `${faults.fired.length} (${retries.length} retries)`],
        [
          "API calls per workflow_run (mean / p50 / max)",
          `${(calls.reduce((a, b) => a + b, 0) / calls.length).toFixed(1)} / ${percentile(calls, 50)} / ${Math.max(...calls)}`,
        ],
        ["API calls per workflow_run: deliveries by calls", histogram(calls)],
        ["requests the simulator answered (REST and GraphQL)", String(requests)],
        [
          "handling time p50 / p99 / max",
          `${percentile(times, 50).toFixed(0)} / ${percentile(times, 99).toFixed(0)} / ${Math.max(...times).toFixed(0)} ms`,
        ],
        ["burst wall time", `${seconds.toFixed(1)} s`],
        WARM_UP === 0
          ? ["before the burst", "nothing (--cold)"]
          : [
              `before the burst, ${WARM_UP} deliveries one at a time: first per replica / second (handling time, max)`,
              `${Math.max(...warmUp.slice(0, REPLICAS).map((h) => h.ms)).toFixed(0)} / ${Math.max(...warmUp.slice(REPLICAS).map((h) => h.ms)).toFixed(0)} ms`,
            ],
        [
          `CPU of the burst: the replicas' ${PROCESSES === 1 ? "process" : `${PROCESSES} processes`} / the simulator's`,
          `${(appMs / 1000).toFixed(2)} s (${(appMs / burst.length).toFixed(1)} ms per delivery) / ${(simMs / 1000).toFixed(2)} s`,
        ],
      ],
      { align: ["l", "r"] },
    ),
  );
  await Promise.all(processes.map((p) => p.close()));
  await sim.close();
}

await main();
