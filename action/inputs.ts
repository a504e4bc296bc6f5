/** The Action's inputs, parsed once into a typed settings object. */
import { z } from "zod";

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ["true", "false", ""].includes(v), { message: `${name} must be true or false` })
    .transform((v) => v !== "false");

export const inputsSchema = z
  .object({
    config: z.string().trim().min(1, "config must name modelgate.yml"),
    models: z.string().transform((s) =>
      s
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean),
    ),
    mode: z.enum(["evaluate", "list", "monitor", "shard", "merge"], {
      message: 'mode must be "evaluate", "list", "monitor", "shard" or "merge"',
    }),
    failOnGate: bool("fail-on-gate"),
    uploadArtifact: bool("upload-artifact"),
    workingDirectory: z.string().trim(),
    githubToken: z.string().trim(),
    data: z.string().trim(),
    shard: z.string().trim(),
    partials: z.string().transform((s) =>
      s
        .split(/[\n,]/)
        .map((p) => p.trim())
        .filter(Boolean),
    ),
    alias: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: "alias must be an alias name such as production" }),
  })
  .refine((i) => i.mode !== "monitor" || i.data !== "", {
    message: "mode monitor needs data: the new data file (or model=path entries)",
  })
  .refine((i) => i.mode !== "shard" || i.shard !== "", { message: "mode shard needs shard: i/n, e.g. 2/3" })
  .refine((i) => i.mode !== "merge" || i.partials.length > 0, {
    message: "mode merge needs partials: the folders of the shards' downloaded artifacts",
  });

export type Inputs = z.output<typeof inputsSchema>;

/** Reads every input through `get` (core.getInput) and validates them together. */
export function parseInputs(get: (name: string) => string): Inputs {
  const raw = {
    config: get("config") || "modelgate.yml",
    models: get("models"),
    mode: get("mode") || "evaluate",
    failOnGate: get("fail-on-gate"),
    uploadArtifact: get("upload-artifact"),
    workingDirectory: get("working-directory") || ".",
    githubToken: get("github-token"),
    data: get("data"),
    shard: get("shard"),
    partials: get("partials"),
    alias: get("alias") || "production",
  };
  const parsed = inputsSchema.safeParse(raw);
  if (!parsed.success) throw new ActionInputError(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

export class ActionInputError extends Error {
  constructor(message: string) {
    super(`invalid input: ${message}`);
    this.name = "ActionInputError";
  }
}
