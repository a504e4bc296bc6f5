import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import {
  buildASTSchema,
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLSchema,
} from "graphql";

/** GitHub's GraphQL schema, built once per process, and what building it cost. */
export interface GitHubGraphQLSchema {
  schema: GraphQLSchema;
  /** Milliseconds spent reading, parsing and building `schema.graphql` (once per process). */
  buildMs: number;
  /** Fields GitHub's published schema defines twice with the same signature; the second one is dropped. */
  duplicatesDropped: string[];
}

let cached: GitHubGraphQLSchema | undefined;

/**
 * Finds `@octokit/graphql-schema`'s `schema.graphql`. The package exports only its index (which
 * also parses the 9 MB introspection JSON), so the file is looked up beside it on the resolve paths.
 */
function schemaFile(): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths("@octokit/graphql-schema") ?? []) {
    const file = path.join(dir, "@octokit", "graphql-schema", "schema.graphql");
    if (existsSync(file)) return file;
  }
  throw new Error("github-sim: @octokit/graphql-schema/schema.graphql not found (npm install)");
}

/** A field's signature without its description, to tell a harmless duplicate from a conflicting one. */
function signatureOf(field: FieldDefinitionNode): string {
  return print({ ...field, description: undefined });
}

/**
 * GitHub's SDL (15.26.1) defines `EnterpriseOwnerInfo.repositoryDeployKeySetting` and
 * `...Organizations` twice, which graphql-js rightly refuses. The duplicates have the same type and
 * arguments (only a description differs), so the first definition is kept; a duplicate whose
 * signature differs would be a real conflict and throws.
 */
function dropDuplicateFields(document: DocumentNode, dropped: string[]): DocumentNode {
  return visit(document, {
    [Kind.OBJECT_TYPE_DEFINITION](node) {
      const seen = new Map<string, FieldDefinitionNode>();
      const fields: FieldDefinitionNode[] = [];
      for (const field of node.fields ?? []) {
        const first = seen.get(field.name.value);
        if (!first) {
          seen.set(field.name.value, field);
          fields.push(field);
          continue;
        }
        if (signatureOf(first) !== signatureOf(field))
          throw new Error(`github-sim: ${node.name.value}.${field.name.value} is defined twice, differently`);
        dropped.push(`${node.name.value}.${field.name.value}`);
      }
      return fields.length === (node.fields ?? []).length ? undefined : { ...node, fields };
    },
  });
}

/**
 * GitHub's GraphQL schema from `@octokit/graphql-schema`, built on first use and shared by every
 * simulator in the process (about 0.3 s). Resolvers are not attached to it: the endpoint executes
 * with its own field and type resolvers, so the schema stays exactly GitHub's.
 */
export function githubGraphQLSchema(): GitHubGraphQLSchema {
  if (cached) return cached;
  const started = performance.now();
  const duplicatesDropped: string[] = [];
  const document = parse(readFileSync(schemaFile(), "utf8"), { noLocation: true });
  const schema = buildASTSchema(dropDuplicateFields(document, duplicatesDropped));
  cached = { schema, buildMs: performance.now() - started, duplicatesDropped };
  return cached;
}
