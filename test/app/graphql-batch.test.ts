/**
 * The GraphQL batch (app/graphql-batch.ts): fields asked for in one turn of the event loop go out
 * as one document, each under its alias with its own variables, and each caller gets its own
 * field's answer or error.
 */
import { GraphqlResponseError } from "@octokit/graphql";
import { describe, expect, it } from "vitest";
import { batchDocument, GraphqlBatch, GraphqlFieldError } from "../../app/graphql-batch.js";

type Graphql = (query: string, variables?: Record<string, unknown>) => Promise<unknown>;

function recording(answer: (query: string, variables: Record<string, unknown>) => unknown) {
  const calls: { query: string; variables: Record<string, unknown> }[] = [];
  const graphql: Graphql = async (query, variables = {}) => {
    calls.push({ query, variables });
    return answer(query, variables);
  };
  return { calls, batch: new GraphqlBatch({ graphql } as never) };
}

const repoField = (owner: string) => ({
  variables: { owner: ["String!", owner] as const },
  field: (v: (n: string) => string) => `repository(owner: ${v("owner")}, name: "models") { id }`,
});

describe("batchDocument", () => {
  it("aliases each field and suffixes its variables", () => {
    const { document, variables } = batchDocument("query", [repoField("acme"), repoField("umbrella")]);
    expect(document).toBe(
      'query($owner_0: String!, $owner_1: String!) { f0: repository(owner: $owner_0, name: "models") { id } ' +
        'f1: repository(owner: $owner_1, name: "models") { id } }',
    );
    expect(variables).toEqual({ owner_0: "acme", owner_1: "umbrella" });
  });

  it("refuses a field that uses a variable it did not declare", () => {
    expect(() =>
      batchDocument("query", [{ variables: {}, field: (v) => `node(id: ${v("id")}) { id }` }]),
    ).toThrow(/undeclared variable id/);
  });
});

describe("GraphqlBatch", () => {
  it("sends the fields of one turn together, queries and mutations apart", async () => {
    const { calls, batch } = recording((query, variables) =>
      query.startsWith("mutation")
        ? { f0: { ok: true } }
        : Object.fromEntries(
            Object.keys(variables).map((k) => [`f${k.split("_")[1]}`, { id: variables[k] }]),
          ),
    );
    const answers = await Promise.all([
      batch.query(repoField("a")),
      batch.query(repoField("b")),
      batch.mutate({ variables: {}, field: () => "noop" }),
      batch.query(repoField("c")),
    ]);
    expect(answers).toEqual([{ id: "a" }, { id: "b" }, { ok: true }, { id: "c" }]);
    expect(calls.map((c) => c.query.split(/[ (]/)[0])).toEqual(["query", "mutation"]);
    expect(batch.sent).toBe(2);
    // A field asked for after the answer goes in a request of its own.
    await batch.query(repoField("d"));
    expect(calls).toHaveLength(3);
  });

  it("gives each field its own error, with the REST status it stands for", async () => {
    const { batch } = recording(() => {
      throw new GraphqlResponseError(
        { method: "POST", url: "/graphql" },
        {},
        {
          data: { f0: { id: "a" }, f1: null },
          errors: [
            {
              type: "NOT_FOUND",
              message: "Could not resolve",
              path: ["f1"],
              extensions: {},
              locations: [{ line: 1, column: 1 }],
            },
          ],
        },
      );
    });
    const [ok, missing] = await Promise.allSettled([
      batch.query(repoField("a")),
      batch.query(repoField("b")),
    ]);
    expect(ok).toEqual({ status: "fulfilled", value: { id: "a" } });
    expect(missing.status).toBe("rejected");
    const error = (missing as PromiseRejectedResult).reason as GraphqlFieldError;
    expect(error).toBeInstanceOf(GraphqlFieldError);
    expect([error.type, error.status, error.message]).toEqual(["NOT_FOUND", 404, "Could not resolve"]);
  });

  it("fails every field of a request that failed as a whole", async () => {
    const refused = Object.assign(new Error("You have exceeded a secondary rate limit"), { status: 403 });
    const { batch } = recording(() => {
      throw refused;
    });
    const results = await Promise.allSettled([batch.query(repoField("a")), batch.query(repoField("b"))]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason)).toEqual([refused, refused]);
  });
  it("fails a field the answer lacks, and every field of a document that could not be written", async () => {
    const { batch } = recording(() => {
      throw new GraphqlResponseError(
        { method: "POST", url: "/graphql" },
        {},
        {
          data: null,
          errors: [
            {
              type: "NOT_FOUND",
              message: "gone",
              path: ["f0"],
              extensions: {},
              locations: [{ line: 1, column: 1 }],
            },
          ],
        },
      );
    });
    const answered = await Promise.allSettled([batch.query(repoField("a")), batch.query(repoField("b"))]);
    expect(answered.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(answered.map((r) => ((r as PromiseRejectedResult).reason as GraphqlFieldError).status)).toEqual([
      404, 404,
    ]);

    const { calls, batch: other } = recording(() => ({ f0: { id: "a" } }));
    const broken = { variables: {}, field: (v: (n: string) => string) => `node(id: ${v("id")}) { id }` };
    const results = await Promise.allSettled([other.query(repoField("a")), other.query(broken)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/undeclared variable id/);
    expect(calls).toHaveLength(0);
  });
});
