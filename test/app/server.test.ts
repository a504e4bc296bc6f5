import { createHmac, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readServerSettings, ServerConfigError } from "../../app/server.js";
import { carsArtifact, REPO, SECRET, startScenario, type Scenario } from "./scenario.js";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

describe("server settings", () => {
  it("refuses to start without the webhook secret, the app id and a private key", () => {
    expect(() => readServerSettings({})).toThrow(
      new ServerConfigError(
        "modelgate will not start without WEBHOOK_SECRET (the app's webhook secret), APP_ID (the app's numeric id), PRIVATE_KEY or PRIVATE_KEY_PATH (the app's private key). Set them from the app's settings page; NODE_ENV=development runs without them for local trials only.",
      ),
    );
    expect(() => readServerSettings({ APP_ID: "12", PRIVATE_KEY: pem })).toThrow(/without WEBHOOK_SECRET \(/);
    expect(() =>
      readServerSettings({ NODE_ENV: "production", WEBHOOK_SECRET: "s", PRIVATE_KEY: pem }),
    ).toThrow(/without APP_ID \(/);
  });

  it("reads the key as PEM, with escaped newlines, or base64; development runs without settings", () => {
    const env = { APP_ID: "12", WEBHOOK_SECRET: "s" };
    expect(readServerSettings({ ...env, PRIVATE_KEY: pem }).privateKey).toBe(pem.trim());
    expect(readServerSettings({ ...env, PRIVATE_KEY: pem.replace(/\n/g, "\\n") }).privateKey).toBe(
      pem.trim(),
    );
    expect(readServerSettings({ ...env, PRIVATE_KEY: Buffer.from(pem).toString("base64") }).privateKey).toBe(
      pem.trim(),
    );
    expect(() => readServerSettings({ ...env, PRIVATE_KEY: "nonsense" })).toThrow(ServerConfigError);
    const dev = readServerSettings({ NODE_ENV: "development" });
    expect([dev.development, dev.secret, dev.port, dev.webhookPath]).toEqual([
      true,
      "development",
      3000,
      "/api/github/webhooks",
    ]);
    expect(dev.privateKey).toContain("-----BEGIN PRIVATE KEY-----");
  });

  it("reconciles at start-up and every RECONCILE_INTERVAL_MINUTES (30 by default, 0 for start-up only)", () => {
    const env = { APP_ID: "12", WEBHOOK_SECRET: "s", PRIVATE_KEY: pem };
    expect(readServerSettings(env).reconcile).toEqual({ atStart: true, everyMs: 1_800_000 });
    expect(readServerSettings({ ...env, RECONCILE_INTERVAL_MINUTES: "0" }).reconcile).toEqual({
      atStart: true,
      everyMs: 0,
    });
    expect(readServerSettings({ ...env, RECONCILE_INTERVAL_MINUTES: "2.5" }).reconcile?.everyMs).toBe(
      150_000,
    );
    for (const bad of ["soon", "-5"])
      expect(() => readServerSettings({ ...env, RECONCILE_INTERVAL_MINUTES: bad })).toThrow(
        /RECONCILE_INTERVAL_MINUTES must be a number of minutes/,
      );
  });
});

describe("the server over HTTP", () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario();
  });
  afterAll(async () => {
    s.sim.assertNoViolations();
    await s?.close();
  });

  it("answers /healthz", async () => {
    const res = await fetch(`${s.server.url}/healthz`);
    expect([res.status, await res.json()]).toEqual([200, { status: "ok" }]);
    expect((await fetch(`${s.server.url}/elsewhere`)).status).toBe(404);
  });

  it("refuses a delivery with a bad signature and changes nothing", async () => {
    // GitHub signs with a secret the server does not hold.
    s.sim.webhooks.configure({ url: s.webhookUrl, secret: "not-the-secret" });
    const pull = s.openPull("unsigned");
    await s.runWorkflow(pull, async (run) => ({ "modelgate-report-mpg": await carsArtifact(run.headSha) }));
    const refused = s.sim.webhooks.deliveries.filter((d) => d.event === "workflow_run");
    expect(refused.map((d) => d.status)).toEqual([400, 400, 400]);
    const appCalls = s.sim.exchanges.filter(
      (x) => x.operationId?.startsWith("apps/") || x.operationId?.startsWith("checks/"),
    );
    expect(appCalls).toEqual([]);
    expect(s.sim.state.checkRuns(REPO)).toEqual([]);
    expect(s.sim.state.comments(REPO, pull)).toEqual([]);

    // The same bytes signed with the right secret are acted on: the refusal was the signature's.
    const completed = refused.at(-1)!;
    const res = await fetch(s.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "workflow_run",
        "x-github-delivery": completed.id,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(completed.body).digest("hex")}`,
      },
      body: completed.body,
    });
    expect(res.status).toBe(200);
    expect(s.sim.state.checkRuns(REPO).map((c) => [c.name, c.conclusion])).toEqual([
      ["modelgate", "success"],
    ]);
  });
});
