/**
 * Data outside git, pinned: a data spec's `file` that a workflow step fetched (`dvc pull`,
 * `aws s3 cp`, `azcopy`) is named with the hash its bytes must have, either `sha256:` in the
 * data spec or `dvc:`, a DVC `.dvc` file whose first output gives md5 and size. A `file:` that is
 * a glob of part files is pinned as a set: `sha256:` is then the sha256 of the parts' `sha256sum`
 * lines (the data hash of the parts), and `dvc:` names a `.dvc` folder output (`md5: ….dir`) that
 * holds every part. This file reads the pin (the `.dvc` file included); src/data/pinned-file.ts
 * and src/data/pinned-parts.ts check the bytes against it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Problem } from "../errors.js";
import { readYamlSpec, type Locator } from "./read-yaml-spec.js";
import { resolveInsideRepo } from "./repo-paths.js";
import type { DataSpec } from "./schemas.js";

/** How a data file is pinned, as report.json and the registry record it. */
export const dataPinRecordSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("sha256").describe("The data spec's `sha256:` pins the file (the data hash itself)."),
    }),
    z.strictObject({
      kind: z.literal("dvc"),
      dvcFile: z.string().max(300).describe("The .dvc file, relative to the repository root."),
      md5: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .describe("The md5 the .dvc file gives, which the file's bytes matched."),
    }),
    z.strictObject({
      kind: z
        .literal("sha256-parts")
        .describe(
          "The data spec's `sha256:` pins its part files: the sha256 of their `sha256sum` lines, sorted (the data hash itself).",
        ),
      parts: z.number().int().min(1).describe("How many part files the pin covered."),
    }),
    z.strictObject({
      kind: z.literal("dvc-dir"),
      dvcFile: z.string().max(300).describe("The .dvc file, relative to the repository root."),
      md5: z
        .string()
        .regex(/^[0-9a-f]{32}$/)
        .describe(
          "The md5 of DVC's folder manifest the .dvc file gives (without `.dir`), which the folder matched.",
        ),
      folder: z.string().max(300).describe("The pinned folder, relative to the repository root."),
      files: z.number().int().min(0).describe("Files in the folder (all of them are checked)."),
      parts: z.number().int().min(1).describe("Of them, the part files the data spec's glob reads."),
    }),
  ])
  .describe("How the data file was pinned: data fetched by a workflow step, checked against its hash.");

export type DataPinRecord = z.output<typeof dataPinRecordSchema>;

/** A pin as the data layer checks it. Display paths are relative to the working directory. */
export type DataPin =
  | {
      kind: "sha256";
      sha256: string;
      /** The data spec, as messages name it. */
      specFile: string;
    }
  | {
      kind: "dvc";
      /** md5 of the bytes (lower-case hex). */
      md5: string;
      /** Size in bytes, when the .dvc file gives it. */
      size?: number;
      /**
       * DVC before 3.0 wrote no `hash: md5`: its md5 of a text file is that of the bytes with
       * every CRLF read as LF ("md5-dos2unix").
       */
      dos2unix: boolean;
      /** The .dvc file, as messages name it. */
      dvcFile: string;
      /** The .dvc file, relative to the repository root (for report.json and the registry). */
      dvcPath: string;
    }
  | {
      /** Part files (a glob) pinned by the sha256 of their sorted `sha256sum` lines. */
      kind: "sha256-parts";
      sha256: string;
      specFile: string;
      /** The glob, as the data spec writes it (relative to its folder). */
      pattern: string;
      /** Where the data spec writes `sha256:`, for messages. */
      line: number;
      column: number;
    }
  | {
      /** Part files (a glob) inside a folder that a `.dvc` folder output pins. */
      kind: "dvc-dir";
      /** md5 of DVC's manifest of the folder, without `.dir` (lower-case hex). */
      md5: string;
      /** Files in the folder and their total bytes, when the .dvc file gives them. */
      nfiles?: number;
      size?: number;
      dos2unix: boolean;
      dvcFile: string;
      dvcPath: string;
      /** The folder, absolute. */
      folder: string;
      /** The folder, relative to the repository root. */
      folderPath: string;
    };

/** A pin of one file, as a scan of one file checks it. */
export type FilePin = Extract<DataPin, { kind: "sha256" | "dvc" }>;
/** A pin of part files named by a glob. */
export type PartsPin = Extract<DataPin, { kind: "sha256-parts" | "dvc-dir" }>;

/** Whether a pin is of part files. */
export function isPartsPin(pin: DataPin): pin is PartsPin {
  return pin.kind === "sha256-parts" || pin.kind === "dvc-dir";
}

const dvcFileSchema = z.object({
  outs: z
    .array(
      z.object({
        md5: z
          .string()
          .regex(/^[0-9a-fA-F]{32}(\.dir)?$/, { message: "expected an md5: 32 hex digits" })
          .describe("md5 of the output"),
        size: z.number().int().min(0).optional(),
        nfiles: z.number().int().min(0).optional(),
        hash: z.string().optional(),
        path: z.string().min(1),
      }),
    )
    .min(1, { message: "a .dvc file lists its output under `outs`" }),
});

/**
 * The pin of a data spec, if it has one; its problems (a `.dvc` file that is missing, invalid,
 * names another file, a folder for one file or one file for a glob) are appended to `problems`.
 *
 * @param dataFile the absolute path the spec's `file` resolves to
 * @param dataParts the part files, absolute, when `file` is a glob
 */
export function resolveDataPin(
  root: string,
  dataSpecFile: string,
  data: DataSpec,
  dataFile: string,
  locate: Locator,
  show: (p: string) => string,
  problems: Problem[],
  dataParts?: readonly string[],
): DataPin | undefined {
  const at = (key: string) => ({ file: show(dataSpecFile), ...locate([key]) });
  if (data.sha256 === undefined && data.dvc === undefined) return undefined;
  if (data.sha256 !== undefined && data.dvc !== undefined) {
    problems.push({
      ...at("dvc"),
      message: "the data spec has both `sha256` and `dvc`; one pin is enough",
      hint: "keep `dvc` when DVC tracks the file, else `sha256`",
    });
    return undefined;
  }
  const glob = /[*?[]/.test(data.file);
  if (data.sha256 !== undefined)
    return glob
      ? {
          kind: "sha256-parts",
          sha256: data.sha256,
          pattern: data.file,
          specFile: show(dataSpecFile),
          ...at("sha256"),
        }
      : { kind: "sha256", sha256: data.sha256, specFile: show(dataSpecFile) };

  const remote = remoteFileProblem(data.dvc!);
  if (remote) {
    problems.push({
      ...at("dvc"),
      message: remote.message.replace("the data file is a URL", "`dvc:` is a URL"),
      hint: "name the .dvc file that `dvc add` wrote, committed beside the data spec",
    });
    return undefined;
  }
  const resolved = resolveInsideRepo(root, dataSpecFile, data.dvc!);
  if ("error" in resolved) {
    problems.push({ ...at("dvc"), message: resolved.error, hint: resolved.hint });
    return undefined;
  }
  const dvcFile = resolved.path;
  if (!existsSync(dvcFile)) {
    problems.push({
      ...at("dvc"),
      message: `the DVC file "${data.dvc}" does not exist (looked for ${show(dvcFile)})`,
      hint: "commit the .dvc file that `dvc add` wrote; paths are relative to the data spec's folder",
    });
    return undefined;
  }
  const parsed = readYamlSpec(dvcFile, show(dvcFile), dvcFileSchema, problems);
  if (!parsed) return undefined;
  const out = parsed.value.outs[0]!;
  const where = (key: string) => ({ file: show(dvcFile), ...parsed.locate(["outs", 0, key]) });
  const target = path.resolve(path.dirname(dvcFile), out.path);
  const common = {
    dos2unix: out.hash !== "md5",
    dvcFile: show(dvcFile),
    dvcPath: repoPath(root, dvcFile),
  };
  if (out.md5.endsWith(".dir") !== glob) {
    problems.push(
      glob
        ? {
            ...where("md5"),
            message: `the DVC file pins one file, "${out.path}", and the data spec's file "${data.file}" is a pattern of part files`,
            hint: "`dvc add` the folder that holds the parts (its .dvc file has `md5: ….dir`), or pin the parts with `sha256:` in the data spec",
          }
        : {
            ...where("md5"),
            message: `"${out.path}" is a folder output, and the data spec's file "${data.file}" is one file`,
            hint: `name the folder's part files with a glob in \`file:\` (e.g. "${path.posix.join(out.path, "*.parquet")}", relative to the data spec), or \`dvc add\` the data file itself`,
          },
    );
    return undefined;
  }
  if (glob) {
    if (!isInside(root, target)) {
      problems.push({
        ...where("path"),
        message: `the DVC file pins the folder "${show(target)}", which is not inside the repository`,
        hint: "`dvc add` the folder of the part files, inside the repository",
      });
      return undefined;
    }
    const outside = (dataParts ?? []).find((p) => !isInside(target, p));
    if (outside !== undefined) {
      problems.push({
        ...where("path"),
        message: `the DVC file pins the folder "${show(target)}", but the data spec's part file "${show(outside)}" is not in it`,
        hint: "point `file:` at part files inside the folder that `dvc add` tracked",
      });
      return undefined;
    }
    return {
      kind: "dvc-dir",
      md5: out.md5.slice(0, 32).toLowerCase(),
      ...(out.nfiles !== undefined ? { nfiles: out.nfiles } : {}),
      ...(out.size !== undefined ? { size: out.size } : {}),
      ...common,
      folder: target,
      folderPath: repoPath(root, target),
    };
  }
  if (path.resolve(target) !== path.resolve(dataFile)) {
    problems.push({
      ...where("path"),
      message: `the DVC file pins "${show(target)}", but the data spec's file is "${show(dataFile)}"`,
      hint: "point `file:` and `dvc:` at the same data file",
    });
    return undefined;
  }
  return {
    kind: "dvc",
    md5: out.md5.toLowerCase(),
    ...(out.size !== undefined ? { size: out.size } : {}),
    ...common,
  };
}

function repoPath(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

function isInside(folder: string, file: string): boolean {
  const relative = path.relative(folder, file);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** What report.json and the registry record of a one-file pin. */
export function pinRecord(pin: FilePin, md5: string): DataPinRecord {
  return pin.kind === "sha256" ? { kind: "sha256" } : { kind: "dvc", dvcFile: pin.dvcPath, md5 };
}

const URL_LIKE = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/**
 * A data spec's `file` that is a URL: remote data is not read (a workflow step fetches it). The
 * problem shows the URL without its credentials (user, password, query, fragment), so the
 * message can be logged.
 */
export function remoteFileProblem(file: string): { message: string; hint: string } | undefined {
  if (!URL_LIKE.test(file)) return undefined;
  return {
    message: `the data file is a URL (${redactUrl(file)}); modelgate reads local files only`,
    hint: "fetch the file in a workflow step before modelgate runs (aws s3 cp, azcopy, dvc pull), name its local path in `file:` and pin it with `sha256:` or `dvc:`; keep credentials in the workflow's secrets, never in a spec",
  };
}

/** `scheme://host/path` of a URL, with any user, password, query and fragment replaced by `***`. */
export function redactUrl(file: string): string {
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(file)![0];
  let rest = file.slice(scheme.length);
  const cut = rest.search(/[?#]/);
  const hidden = cut >= 0;
  if (hidden) rest = rest.slice(0, cut);
  const slash = rest.indexOf("/");
  let authority = slash >= 0 ? rest.slice(0, slash) : rest;
  const tail = slash >= 0 ? rest.slice(slash) : "";
  const atSign = authority.lastIndexOf("@");
  if (atSign >= 0) authority = `***@${authority.slice(atSign + 1)}`;
  return `${scheme}${authority}${tail}${hidden ? "?***" : ""}`;
}
