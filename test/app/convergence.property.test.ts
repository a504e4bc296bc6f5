/**
 * The convergence rules of app/README.md, checked on generated traffic (fast-check): 2 to 4
 * replicas of the app, several pull requests, workflow runs from `pull_request`, `schedule` and
 * `workflow_dispatch`, re-runs (same run id, next attempt), a run on a head the PR has left,
 * deliveries duplicated and reordered and several in flight at once, read-after-write lag on
 * listings and secondary rate limits. After the deliveries settle:
 * - each PR has exactly one modelgate comment, showing the newest report (by run id and attempt)
 *   for its current head;
 * - the latest `modelgate` check on every head commit shows the newest report for that commit;
 * - every delivery was answered 200 (nothing lost), and every request and response was
 *   GitHub's (OpenAPI).
 *
 * A failure prints the generated case and `{ seed, path }`; replay it with
 * `FC_SEED=<seed> FC_PATH=<path> npx vitest run test/app/convergence.property.test.ts`. The
 * plan (which deliveries, their order, duplicates, replicas, concurrency, lag, faults) replays
 * exactly; the timing of requests in flight together is the machine's.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkExternalId,
  compareVersions,
  readVersionLine,
  type ReportVersion,
} from "../../app/report-version.js";
import { createFaults, type HeldDelivery, type SimWorkflowRun } from "../github-sim/index.js";
import { startReplicas, type Replicas } from "./replicas.js";
import { carsArtifact, REPO, WORKFLOW } from "./scenario.js";

const RUNS = Number(process.env.CONVERGENCE_RUNS ?? 200);
const MAX_REPLICAS = 4;

const runArb = fc.record({
  trigger: fc.constantFrom("pull_request", "schedule", "workflow_dispatch"),
  passed: fc.boolean(),
  /** Re-run once (one run in three), the new attempt passing or not. */
  rerun: fc.option(fc.boolean(), { nil: undefined, freq: 2 }),
});
const caseArb = fc.record({
  replicas: fc.integer({ min: 2, max: MAX_REPLICAS }),
  concurrency: fc.integer({ min: 1, max: 6 }),
  lagMs: fc.constantFrom(0, 0, 10, 30),
  rateLimited: fc.constantFrom(0, 0, 0.03),
  pulls: fc.array(
    fc.record({ runs: fc.array(runArb, { minLength: 1, maxLength: 3 }), staleRun: fc.boolean() }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
  /** Sort keys of the deliveries (their order), whether each is sent twice, and to which replica. */
  order: fc.array(fc.nat({ max: 1000 }), { minLength: 48, maxLength: 48 }),
  duplicate: fc.array(
    fc.nat(2).map((n) => n === 0),
    { minLength: 48, maxLength: 48 },
  ),
  replica: fc.array(fc.nat({ max: MAX_REPLICAS - 1 }), { minLength: 48, maxLength: 48 }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** A report artifact for `headSha` whose gate passes or fails. */
function artifact(headSha: string, passed: boolean) {
  return carsArtifact(headSha, (report) => {
    if (passed) return;
    const m = report.models[0]!;
    m.challenger.metrics.rmse!.value = 5.25;
    m.passed = false;
    m.gate.passed = false;
    m.gate.checks[0]!.status = "fail";
    report.passed = false;
  });
}

interface Expected {
  /** Per PR: its head and the newest report on it. */
  pulls: Array<{ number: number; head: string; newest: ReportVersion; passed: boolean }>;
  /** Per head commit: the newest report on it. */
  heads: Map<string, { newest: ReportVersion; passed: boolean }>;
}

describe("convergence under generated traffic", () => {
  let r: Replicas;
  let caseNumber = 0;
  beforeAll(async () => {
    // Listings re-read 10 ms after a write first (50 ms in production): the lag here is at most 30 ms.
    // Only `workflow_run` deliveries are sent; the others are not even rendered.
    r = await startReplicas(MAX_REPLICAS, {
      listingWait: { firstDelayMs: 10, attempts: 9 },
      events: ["workflow_run"],
    });
  });
  afterAll(async () => {
    r?.sim.assertNoViolations();
    await r?.close();
  });

  /** Sets up the case's PRs and runs (deliveries held back); returns what the end state must be. */
  async function setUp(c: Case): Promise<Expected> {
    caseNumber += 1;
    const expected: Expected = { pulls: [], heads: new Map() };
    const note = (v: ReportVersion, passed: boolean) => {
      const known = expected.heads.get(v.headSha);
      if (!known || compareVersions(v, known.newest) > 0)
        expected.heads.set(v.headSha, { newest: v, passed });
    };
    const run = async (head: string, branch: string, number: number, trigger: string, passed: boolean) => {
      const created: SimWorkflowRun = r.sim.state.createWorkflowRun(REPO, {
        headSha: head,
        headBranch: branch,
        path: WORKFLOW,
        name: "modelgate",
        event: trigger,
        pullNumbers: trigger === "pull_request" ? [number] : [],
        actor: "acme",
      });
      r.sim.state.addArtifact(created, "modelgate-report-mpg", await artifact(head, passed));
      r.sim.state.completeWorkflowRun(REPO, created, passed ? "success" : "failure");
      return created;
    };
    for (const [i, p] of c.pulls.entries()) {
      const branch = `c${caseNumber}-p${i}`;
      r.sim.state.pushCommit(REPO, { branch, files: { [`notes/${branch}.md`]: "one\n" } });
      const number = r.sim.state.openPullRequest(REPO, { head: branch }).number;
      if (p.staleRun) {
        // A run on a head the PR then leaves: its report must not reach the PR's comment.
        const oldHead = r.sim.state.issue(REPO, number).pull!.headSha;
        const stale = await run(oldHead, branch, number, "pull_request", true);
        note({ runId: stale.id, attempt: 1, headSha: oldHead }, true);
        r.sim.state.pushCommit(REPO, { branch, files: { [`notes/${branch}.md`]: "two\n" } });
      }
      const head = r.sim.state.issue(REPO, number).pull!.headSha;
      let newest: { v: ReportVersion; passed: boolean } | undefined;
      for (const spec of p.runs) {
        const done = await run(head, branch, number, spec.trigger, spec.passed);
        let v: ReportVersion = { runId: done.id, attempt: 1, headSha: head };
        let passed = spec.passed;
        if (spec.rerun !== undefined) {
          r.sim.state.rerunWorkflowRun(REPO, done);
          r.sim.state.addArtifact(done, "modelgate-report-mpg", await artifact(head, spec.rerun));
          r.sim.state.completeWorkflowRun(REPO, done, spec.rerun ? "success" : "failure");
          v = { ...v, attempt: 2 };
          passed = spec.rerun;
        }
        note(v, passed);
        if (!newest || compareVersions(v, newest.v) > 0) newest = { v, passed };
      }
      expected.pulls.push({ number, head, newest: newest!.v, passed: newest!.passed });
    }
    return expected;
  }

  /** The case's interleaving of its `workflow_run.completed` deliveries. */
  function plan(c: Case, held: HeldDelivery[]): Array<{ delivery: HeldDelivery; url: string }> {
    const completed = held.filter((d) => d.event === "workflow_run" && d.action === "completed");
    const sends = completed.flatMap((delivery, i) => {
      const copies = c.duplicate[i % c.duplicate.length] ? 2 : 1;
      return Array.from({ length: copies }, (_, k) => ({
        delivery,
        key: c.order[(i * 2 + k) % c.order.length]!,
      }));
    });
    return sends
      .map((s, i) => ({ ...s, i }))
      .sort((a, b) => a.key - b.key || a.i - b.i)
      .map((s, i) => ({ delivery: s.delivery, url: r.urls[c.replica[i % c.replica.length]! % c.replicas]! }));
  }

  function check(expected: Expected): void {
    const login = `${r.app.slug}[bot]`;
    for (const p of expected.pulls) {
      const own = r.sim.state.comments(REPO, p.number).filter((x) => x.user.login === login);
      expect(own, `PR #${p.number}: one modelgate comment`).toHaveLength(1);
      expect(readVersionLine(own[0]!.body), `PR #${p.number}: the newest report`).toEqual(p.newest);
      expect(own[0]!.body).toContain(
        p.passed ? "the gate passed for 1 model" : "the gate failed for 1 model",
      );
    }
    for (const [head, want] of expected.heads) {
      const checks = r.sim.state.checkRuns(REPO, head).filter((x) => x.name === "modelgate");
      const latest = checks.reduce((a, b) => (b.id > a.id ? b : a));
      expect([latest.externalId, latest.conclusion], `latest check on ${head.slice(0, 7)}`).toEqual([
        checkExternalId(want.newest),
        want.passed ? "success" : "failure",
      ]);
    }
  }

  it(`holds the rules after every one of ${RUNS} generated interleavings`, async () => {
    const started = performance.now();
    let deliveries = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        r.sim.webhooks.takeHeld();
        const expected = await setUp(c);
        const sends = plan(c, r.sim.webhooks.takeHeld());
        r.sim.state.listLagMs = c.lagMs;
        const faults = createFaults(
          [
            {
              kind: "secondary-rate-limit",
              retryAfter: 1,
              probability: c.rateLimited,
              operationId: /^(issues|checks)\/|^graphql$/,
            },
          ],
          caseNumber,
        );
        r.sim.setFaults(c.rateLimited > 0 ? faults.hook : undefined);
        const before = r.sim.webhooks.deliveries.length;
        try {
          await r.sim.webhooks.send(sends, { concurrency: c.concurrency });
        } finally {
          r.sim.setFaults(undefined);
          r.sim.state.listLagMs = 0;
        }
        const answered = r.sim.webhooks.deliveries.slice(before);
        deliveries += answered.length;
        expect(answered.map((d) => d.status ?? d.error)).toEqual(answered.map(() => 200));
        check(expected);
        // Close the case's PRs so later cases list few open ones.
        for (const p of expected.pulls) r.sim.state.closePullRequest(REPO, p.number, "acme");
        r.sim.webhooks.takeHeld();
      }),
      {
        numRuns: RUNS,
        ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
        ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
      },
    );
    console.log(
      `convergence: ${RUNS} cases, ${deliveries} deliveries, ${r.retries.length} rate limits retried, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 1_200_000);
});
