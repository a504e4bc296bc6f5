import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replyMarker } from "../../app/handle-comment-command.js";
import { parseRegistry, registryPaths } from "../../src/registry/registry-document.js";
import { promote } from "../../src/registry/registry-transitions.js";
import {
  appComments,
  carsFiles,
  carsRun,
  REPO,
  redeliver,
  startScenario,
  type Scenario,
} from "./scenario.js";

let s: Scenario;
let issue: number;

/** The cars example with a second version promoted to production, as a merged PR would leave it. */
async function filesWithTwoVersions(): Promise<Record<string, string>> {
  const files = carsFiles();
  const { report, modelText } = await carsRun();
  const m = report.models[0]!;
  const change = promote(parseRegistry(files[".modelgate/registry.json"]!), {
    model: "mpg",
    alias: "production",
    modelFile: modelText,
    headSha: "a".repeat(40),
    pr: 1,
    mergeCommit: "b".repeat(40),
    specHash: m.specHash,
    dataHash: m.data.sha256,
    metrics: { rmse: m.challenger.metrics.rmse!.value },
    actor: "acme",
    at: "2024-05-01T12:00:00Z",
  });
  for (const w of change.writes) files[w.path] = w.content;
  return files;
}

beforeAll(async () => {
  s = await startScenario({ files: await filesWithTwoVersions() });
  s.sim.state.addCollaborator(REPO, "wendy", "write");
  s.sim.state.addCollaborator(REPO, "rita", "read");
  issue = s.sim.state.createIssue(REPO, { title: "mpg v2 predicts badly for Europe", user: "rita" }).number;
});
afterAll(async () => {
  s.sim.assertNoViolations();
  await s?.close();
});

let lastCommand = 0;
async function say(body: string, user: string): Promise<string | undefined> {
  const comment = s.sim.state.addComment(REPO, issue, body, user);
  lastCommand = comment.id;
  await s.sim.webhooks.settle();
  return appComments(s, issue).find((c) => c.body.startsWith(replyMarker(comment.id)))?.body;
}

const registry = () => parseRegistry(s.sim.state.readFile(REPO, "main", registryPaths().registry)!);

describe("/modelgate commands", () => {
  it("refuses a person without write access politely, and changes nothing", async () => {
    const tip = s.sim.state.refSha(REPO, "main");
    const reply = await say("/modelgate rollback mpg 1", "rita");
    expect(reply).toContain(
      "Sorry `rita`, `/modelgate` commands are for people with `write` access or higher to this repository, and yours is `read`.",
    );
    expect(s.sim.state.refSha(REPO, "main")).toBe(tip);
  });

  it("answers status, help, and an unknown command with help", async () => {
    const status = await say("/modelgate status", "wendy");
    expect(status).toContain("| `mpg` | 2 | `production` → v2 |");
    expect(status).toContain("acme moved production of mpg from v1 to v2 \\(PR \\#​1\\)");
    expect(await say("/modelgate help", "wendy")).toContain(
      "- `/modelgate rollback <model> <version> [alias]`",
    );
    const unknown = await say("thanks!\n/modelgate frobnicate now", "wendy");
    expect(unknown).toContain("I did not understand that: that command is unknown.");
    expect(unknown).toContain("**modelgate commands**");
    expect(await say("no command here", "wendy")).toBeUndefined();
  });

  it("rolls back by command: one registry commit, one deployment with a success status, logged with who asked", async () => {
    const tip = s.sim.state.refSha(REPO, "main")!;
    const reply = await say("/modelgate rollback mpg v1", "wendy");
    const commit = s.sim.state.commit(REPO, "main")!;
    expect(commit.parents).toEqual([tip]);
    expect(commit.message).toMatch(/^modelgate: roll production of mpg back to v1\n\nAsked by wendy in #\d+/);
    const mpg = registry().models.mpg!;
    expect(mpg.aliases).toEqual({ production: 1 });
    expect(mpg.events.at(-1)).toMatchObject({
      action: "rollback",
      actor: "wendy",
      alias: "production",
      from: 2,
      to: 1,
    });
    const deployments = s.sim.state.deployments(REPO);
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.map((st) => st.state)])).toEqual([
      ["production", commit.sha, ["success"]],
    ]);
    expect(reply).toContain("↩️ Rolled `production` of `mpg` back to **v1**, as asked by `wendy`.");
    expect(reply).toContain(`Registry commit \`${commit.sha.slice(0, 7)}\``);

    // The same delivery again: the reply exists, nothing is done twice.
    const replies = appComments(s, issue).length;
    const command = lastCommand;
    expect(
      await redeliver(s, {
        event: "issue_comment",
        action: "created",
        where: (p) => (p.comment as { id: number }).id === command,
      }),
    ).toBe(200);
    expect(appComments(s, issue)).toHaveLength(replies);
    expect(s.sim.state.refSha(REPO, "main")).toBe(commit.sha);
    expect(s.sim.state.deployments(REPO)).toHaveLength(1);
  });

  it("explains a rollback the registry cannot make", async () => {
    const tip = s.sim.state.refSha(REPO, "main");
    const reply = await say("/modelgate rollback mpg 9", "wendy");
    expect(reply).toContain("Nothing was changed:");
    expect(reply).toContain("mpg has no version 9");
    expect(await say("/modelgate rollback mpg 1 staging", "wendy")).toContain('mpg has no alias "staging"');
    expect(s.sim.state.refSha(REPO, "main")).toBe(tip);
  });
});
