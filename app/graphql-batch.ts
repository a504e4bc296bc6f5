/**
 * One GraphQL request for the reads (or the writes) a handler starts together. The sticky comment
 * and the `modelgate` check converge by their own rules (app/README.md), each listing, writing and
 * listing again; run side by side, their steps line up, so their requests can share a round trip
 * and an API call. A field asked for through `query` or `mutate` is held until every promise
 * ready to run has run (the next turn of the event loop), then sent with the others as one
 * document, each under its own alias and with its own variables.
 */
import type { GitHubClient } from "./github-client.js";

/** A variable: its GraphQL type and value. */
export type Variable = readonly [type: string, value: unknown];

/** One top-level field: `field(v)` writes it with `v(name)` in place of each variable. */
export interface FieldRequest {
  variables: Record<string, Variable>;
  field: (v: (name: string) => string) => string;
}

/** An error GitHub's GraphQL API answered for one field, with the REST status it stands for. */
export class GraphqlFieldError extends Error {
  constructor(
    message: string,
    readonly type: string | undefined,
    readonly status: number,
  ) {
    super(message);
    this.name = "GraphqlFieldError";
  }
}

/** GitHub's GraphQL error types and the REST status each stands for (`statusOf` reads it). */
const STATUS_OF_TYPE: Record<string, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNPROCESSABLE: 422,
  RATE_LIMITED: 403,
  RATE_LIMIT: 403,
};

interface Pending {
  request: FieldRequest;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface GraphqlError {
  type?: string;
  message?: string;
  path?: readonly (string | number)[];
}

/** The document for `pending`, each field aliased `f<i>` and its variables suffixed `_<i>`. */
export function batchDocument(
  operation: "query" | "mutation",
  requests: readonly FieldRequest[],
): { document: string; variables: Record<string, unknown> } {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  const fields = requests.map((request, i) => {
    for (const [name, [type, value]] of Object.entries(request.variables)) {
      declarations.push(`$${name}_${i}: ${type}`);
      variables[`${name}_${i}`] = value;
    }
    return `f${i}: ${request.field((name) => {
      if (!(name in request.variables)) throw new Error(`GraphQL field uses undeclared variable ${name}`);
      return `$${name}_${i}`;
    })}`;
  });
  const head = declarations.length > 0 ? `${operation}(${declarations.join(", ")})` : operation;
  return { document: `${head} { ${fields.join(" ")} }`, variables };
}

/** Batches the fields asked for in one turn of the event loop into one request per operation. */
export class GraphqlBatch {
  private readonly pending = { query: [] as Pending[], mutation: [] as Pending[] };
  private scheduled = false;
  /** Requests sent, for tests and counts. */
  sent = 0;

  constructor(private readonly client: Pick<GitHubClient, "graphql">) {}

  query<T>(request: FieldRequest): Promise<T> {
    return this.enqueue("query", request) as Promise<T>;
  }

  mutate<T>(request: FieldRequest): Promise<T> {
    return this.enqueue("mutation", request) as Promise<T>;
  }

  private enqueue(operation: "query" | "mutation", request: FieldRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending[operation].push({ request, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        for (const op of ["query", "mutation"] as const) {
          const batch = this.pending[op].splice(0);
          if (batch.length > 0) void this.send(op, batch);
        }
      });
    });
  }

  private async send(operation: "query" | "mutation", batch: Pending[]): Promise<void> {
    let data: Record<string, unknown> | null | undefined;
    let errors: GraphqlError[] = [];
    try {
      const { document, variables } = batchDocument(
        operation,
        batch.map((p) => p.request),
      );
      this.sent++;
      data = await this.client.graphql<Record<string, unknown>>(document, variables);
    } catch (error) {
      const answered = error as { name?: string; errors?: GraphqlError[]; data?: Record<string, unknown> };
      if (answered?.name !== "GraphqlResponseError" || !Array.isArray(answered.errors)) {
        for (const p of batch) p.reject(error);
        return;
      }
      data = answered.data;
      errors = answered.errors;
    }
    for (const [i, p] of batch.entries()) {
      const alias = `f${i}`;
      // An error without a path (a document GitHub refused) belongs to every field; a field missing
      // from the answer failed with the first error, whatever its path.
      const missing = data === null || data === undefined || !(alias in data);
      const error =
        errors.find((e) => e.path === undefined || e.path[0] === alias) ??
        (missing ? (errors[0] ?? { message: "GitHub answered without this field" }) : undefined);
      if (error !== undefined) {
        const status = STATUS_OF_TYPE[error.type ?? ""] ?? 500;
        p.reject(new GraphqlFieldError(error.message ?? "GraphQL error", error.type, status));
      } else p.resolve(data![alias] ?? null);
    }
  }
}
