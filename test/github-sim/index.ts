import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { formatViolation, type Violation } from "./openapi-validator.js";
import { artifactDownloadHandler, rawFileHandler } from "./raw-routes.js";
import { Router } from "./router.js";
import { actionRoutes } from "./routes-actions.js";
import { appRoutes } from "./routes-apps.js";
import { checkRoutes } from "./routes-checks.js";
import { gitRoutes } from "./routes-git.js";
import { issueRoutes } from "./routes-issues.js";
import { pullRoutes } from "./routes-pulls.js";
import { graphqlHandler } from "./routes-graphql.js";
import { repoRoutes } from "./routes-repos.js";
import { createHandler, type Exchange, type FaultHook, type ServerDeps } from "./server.js";
import { SimState } from "./sim-state.js";
import { artifactServiceHandlers } from "./artifact-service.js";
import { WebhookDispatcher, type WebhookConfig } from "./webhooks.js";
import { runWorkflow, type RunWorkflowOptions, type WorkflowResult } from "./workflow-runner.js";

export type { Violation } from "./openapi-validator.js";
export type { Exchange, FaultDecision, FaultHook } from "./server.js";
export type { RepoRef } from "./sim-state.js";
export type * from "./model.js";
export type { SimEvent } from "./sim-events.js";
export { SimState } from "./sim-state.js";
export { ApiError } from "./state-core.js";
export { FORK_WORKFLOW_PERMISSIONS } from "./tokens.js";
export { formatViolation } from "./openapi-validator.js";
export {
  createFaults,
  seededRandom,
  type FaultRule,
  type Faults,
  type DeliveryMatch,
  type RequestMatch,
} from "./faults.js";
export type { Delivery, DeliveryFaults, HeldDelivery, WebhookConfig, WebhookDispatcher } from "./webhooks.js";
export type { Job, JobContext, RunWorkflowOptions, WorkflowResult } from "./workflow-runner.js";
export { runtimeToken } from "./artifact-service.js";
export { parseOutputFile, withProcessEnv } from "./runner-env.js";
export { validateWebhook } from "./webhook-spec.js";
export { githubGraphQLSchema } from "./graphql-schema.js";

/** Options of `startGitHubSim`. */
export interface GitHubSimOptions {
  /**
   * What a violation of GitHub's OpenAPI description does besides being recorded: `respond` (default)
   * answers 400 for a bad request and 500 for a bad response, so the client under test fails at once;
   * `record` lets the exchange through.
   */
  onViolation?: "respond" | "record";
  /** Port to listen on (default: any free port on 127.0.0.1). */
  port?: number;
  /** The simulator's clock (default: the real one). */
  clock?: () => Date;
  /** Replaces or delays answers, e.g. `createFaults([...]).hook`. */
  faults?: FaultHook;
  /** Deliver webhooks for state changes (can also be set later with `sim.webhooks.configure`). */
  webhooks?: WebhookConfig;
}

/** A running simulator. */
export interface GitHubSim {
  /** REST base url, e.g. `http://127.0.0.1:38211`: give it to Octokit as `baseUrl` and as GITHUB_API_URL. */
  url: string;
  /** `GITHUB_SERVER_URL` (`http://github.localhost:PORT`): html links; the artifact client needs a `*.localhost` host. */
  serverUrl: string;
  state: SimState;
  /** Every OpenAPI violation so far (requests and responses), in order. */
  violations: Violation[];
  /** Every exchange so far, in order. */
  exchanges: Exchange[];
  /** Throws with every violation listed when there is any. */
  assertNoViolations(): void;
  /** Swaps the fault hook at run time (undefined removes it). */
  setFaults(faults: FaultHook | undefined): void;
  /** Webhook deliveries: `configure(config)`, `deliveries`, `settle()`. */
  webhooks: WebhookDispatcher;
  /** Runs a `pull_request` workflow job for a PR with a runner's environment (see workflow-runner.ts). */
  runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult>;
  close(): Promise<void>;
}

/** Starts a simulator on loopback. Loads and compiles GitHub's description once per process. */
export async function startGitHubSim(options: GitHubSimOptions = {}): Promise<GitHubSim> {
  const state = new SimState("http://127.0.0.1", "http://github.localhost", options.clock);
  const routes = [
    ...repoRoutes(),
    ...pullRoutes(),
    ...issueRoutes(),
    ...gitRoutes(),
    ...checkRoutes(),
    ...actionRoutes(),
    ...appRoutes(),
  ];
  const violations: Violation[] = [];
  const exchanges: Exchange[] = [];
  const onViolation = options.onViolation ?? "respond";
  const webhooks = new WebhookDispatcher(state, violations);
  webhooks.configure(options.webhooks);
  const deps: ServerDeps = {
    state,
    router: new Router(routes),
    rawHandlers: [
      graphqlHandler(state, violations),
      rawFileHandler(state),
      artifactDownloadHandler(state),
      ...artifactServiceHandlers(state, violations, onViolation),
    ],
    violations,
    exchanges,
    onViolation,
    faults: options.faults,
  };
  const server = createServer(createHandler(deps));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  state.apiUrl = `http://127.0.0.1:${port}`;
  state.serverUrl = `http://github.localhost:${port}`;
  return {
    url: state.apiUrl,
    serverUrl: state.serverUrl,
    state,
    violations,
    exchanges,
    assertNoViolations() {
      if (violations.length > 0) {
        throw new Error(
          `github-sim: ${violations.length} OpenAPI violation(s):\n${violations.map(formatViolation).join("\n")}`,
        );
      }
    },
    setFaults(faults) {
      deps.faults = faults;
    },
    webhooks,
    runWorkflow: (runOptions) => runWorkflow(state, runOptions),
    close: async () => {
      await webhooks.settle();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
}
