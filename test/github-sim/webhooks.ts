import { createHmac, randomUUID } from "node:crypto";
import type { SimInstallation, SimRepo } from "./model.js";
import type { Violation } from "./openapi-validator.js";
import type { SimEvent } from "./sim-events.js";
import type { StateCore } from "./state-core.js";
import { buildWebhook } from "./webhook-payloads.js";
import { validateWebhook } from "./webhook-spec.js";
import { seededRandom, type DeliveryMatch } from "./faults.js";

/** Where and how to deliver webhooks. */
export interface WebhookConfig {
  /** The receiver, e.g. a Probot middleware's url. */
  url: string;
  /** Shared secret for `X-Hub-Signature-256`. */
  secret: string;
  /** Event names to deliver (default: every event the simulator renders). */
  events?: string[];
  /**
   * The installation named in payloads: an explicit one, or `auto` (default): the first installation
   * covering the repository, as a GitHub App receives them.
   */
  installation?: SimInstallation | "auto";
  faults?: DeliveryFaults;
  /**
   * Several receivers (replicas of one app) behind a round-robin balancer: each delivery goes to
   * the next one. Default: `[url]`.
   */
  replicas?: string[];
  /** Deliveries in flight at once (default 1: one after the other, in order). */
  concurrency?: number;
  /** Keep deliveries back until the test sends them with `send(...)` (see `takeHeld`). */
  hold?: boolean;
}

/** A delivery kept back by `hold`, to be sent by the test in any order, to any receiver, any number of times. */
export interface HeldDelivery {
  id: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
}

/** Deterministic delivery faults: the same seed and scenario give the same deliveries. */
export interface DeliveryFaults {
  seed?: number;
  /** Deliveries sent twice (same `X-GitHub-Delivery`, as a redelivery). */
  duplicate?: DeliveryMatch[];
  /** Deliveries held back and sent after the next one. */
  reorder?: DeliveryMatch[];
  /** Wait before each delivery. */
  delayMs?: number;
}

/** One delivery attempt and its outcome. */
export interface Delivery {
  /** The receiver it was sent to. */
  url: string;
  /** `X-GitHub-Delivery`; a duplicate repeats it. */
  id: string;
  event: string;
  action: string | undefined;
  payload: Record<string, unknown>;
  /** The exact bytes signed and sent. */
  body: string;
  signature256: string;
  /** Receiver's status, or undefined when the request failed (see `error`). */
  status?: number;
  error?: string;
  duplicate: boolean;
}

interface Pending extends HeldDelivery {
  duplicates: number;
}

/**
 * Turns state events into signed webhook deliveries: one at a time and in order by default, or
 * `concurrency` at a time to round-robin `replicas`, reordered or duplicated by faults, or held
 * back for the test to send in any interleaving (`hold`, `takeHeld`, `send`). Payloads are rendered when the event happens and validated against
 * `@octokit/openapi-webhooks`; a violation is recorded with the REST ones.
 */
export class WebhookDispatcher {
  readonly deliveries: Delivery[] = [];
  private config: WebhookConfig | undefined;
  private queue: Pending[] = [];
  private held: Pending | undefined;
  private heldBack: HeldDelivery[] = [];
  private pumping: Promise<void> | undefined;
  private nextReplica = 0;
  private random: () => number = seededRandom(1);
  private readonly counts = new Map<DeliveryMatch, number>();

  constructor(
    private readonly core: StateCore,
    private readonly violations: Violation[],
  ) {
    core.onEvent((e) => this.onEvent(e));
  }

  configure(config: WebhookConfig | undefined): void {
    this.config = config;
    this.random = seededRandom(config?.faults?.seed ?? 1);
    this.counts.clear();
    this.nextReplica = 0;
  }

  /** The deliveries kept back so far (with `hold`), oldest first; they are no longer kept. */
  takeHeld(): HeldDelivery[] {
    const taken = this.heldBack;
    this.heldBack = [];
    return taken;
  }

  /**
   * Sends `deliveries` (e.g. held ones, reordered and repeated), `concurrency` at a time, each to
   * its `url` or the balancer's next replica; resolves when every one was answered.
   */
  async send(
    deliveries: Array<{ delivery: HeldDelivery; url?: string }>,
    options: { concurrency?: number } = {},
  ): Promise<void> {
    const seen = new Set<string>();
    const queue = deliveries.map(({ delivery, url }) => {
      const duplicate = seen.has(delivery.id);
      seen.add(delivery.id);
      return () => this.post({ ...delivery, duplicates: 0 }, duplicate, url);
    });
    const limit = Math.max(1, options.concurrency ?? 1);
    const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    });
    await Promise.all(workers);
  }

  /** Resolves once every queued (and held) delivery was sent, including ones caused meanwhile. */
  async settle(): Promise<void> {
    for (;;) {
      if (this.pumping) {
        await this.pumping;
        continue;
      }
      if (this.held) {
        this.queue.push(this.held);
        this.held = undefined;
        this.pump();
        continue;
      }
      if (this.queue.length === 0) return;
      this.pump();
    }
  }

  private onEvent(event: SimEvent): void {
    const config = this.config;
    if (!config || (config.events && !config.events.includes(event.name))) return;
    const installation = this.installationFor(event.repo, config);
    // An app receives only the events it subscribed to (an app created without a list gets all).
    const subscribed = installation?.app.events ?? [];
    if (subscribed.length > 0 && !subscribed.includes(event.name)) return;
    const message = buildWebhook(this.core, event, installation);
    if (!message) return;
    this.violations.push(...validateWebhook(message.event, message.action, message.payload));
    if (config.hold) {
      this.heldBack.push({ id: randomUUID(), ...message });
      return;
    }
    const pending: Pending = {
      id: randomUUID(),
      ...message,
      duplicates: this.matches(config.faults?.duplicate, message) ? 1 : 0,
    };
    if (this.held) {
      this.queue.push(pending, this.held);
      this.held = undefined;
    } else if (this.matches(config.faults?.reorder, message)) {
      this.held = pending;
    } else {
      this.queue.push(pending);
    }
    this.pump();
  }

  private installationFor(repo: SimRepo, config: WebhookConfig): SimInstallation | undefined {
    if (config.installation && config.installation !== "auto") return config.installation;
    return [...this.core.installations.values()].find((i) =>
      i.repositories === "all" ? i.account.id === repo.owner.id : i.repositories.includes(repo),
    );
  }

  private matches(
    rules: DeliveryMatch[] | undefined,
    m: { event: string; action: string | undefined },
  ): boolean {
    for (const rule of rules ?? []) {
      if (rule.event !== undefined && rule.event !== m.event) continue;
      if (rule.action !== undefined && rule.action !== m.action) continue;
      const used = this.counts.get(rule) ?? 0;
      if (rule.times !== undefined && used >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      this.counts.set(rule, used + 1);
      return true;
    }
    return false;
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = (async () => {
      const inFlight = new Set<Promise<void>>();
      while (this.queue.length > 0 || inFlight.size > 0) {
        const limit = Math.max(1, this.config?.concurrency ?? 1);
        while (this.queue.length > 0 && inFlight.size < limit) {
          const next = this.queue.shift() as Pending;
          const sending: Promise<void> = (async () => {
            for (let i = 0; i <= next.duplicates; i++) await this.post(next, i > 0);
          })().finally(() => inFlight.delete(sending));
          inFlight.add(sending);
        }
        if (inFlight.size > 0) await Promise.race(inFlight);
      }
    })().finally(() => {
      this.pumping = undefined;
    });
  }

  private async post(p: Pending, duplicate: boolean, url?: string): Promise<void> {
    const config = this.config;
    if (!config) return;
    const replicas = config.replicas ?? [config.url];
    const target = url ?? replicas[this.nextReplica++ % replicas.length] ?? config.url;
    if (config.faults?.delayMs) await new Promise((r) => setTimeout(r, config.faults?.delayMs));
    const body = JSON.stringify(p.payload);
    const signature256 = `sha256=${createHmac("sha256", config.secret).update(body).digest("hex")}`;
    const delivery: Delivery = {
      url: target,
      id: p.id,
      event: p.event,
      action: p.action,
      payload: p.payload,
      body,
      signature256,
      duplicate,
    };
    this.deliveries.push(delivery);
    try {
      const installationId = (p.payload.installation as { id?: number } | undefined)?.id;
      const app = installationId === undefined ? undefined : this.core.installations.get(installationId)?.app;
      const res = await fetch(target, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/github-sim",
          "x-github-event": p.event,
          "x-github-delivery": p.id,
          "x-hub-signature-256": signature256,
          "x-hub-signature": `sha1=${createHmac("sha1", config.secret).update(body).digest("hex")}`,
          "x-github-hook-id": "1",
          ...(app
            ? {
                "x-github-hook-installation-target-type": "integration",
                "x-github-hook-installation-target-id": String(app.id),
              }
            : {}),
        },
        body,
      });
      delivery.status = res.status;
      await res.arrayBuffer();
    } catch (e) {
      delivery.error = e instanceof Error ? e.message : String(e);
    }
  }
}
