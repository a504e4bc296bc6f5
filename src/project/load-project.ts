/**
 * Loads a whole project: `modelgate.yml`, every model spec it names and their data specs, and
 * checks that they agree with each other (features, target, slices and keys are columns of the
 * data; metrics fit the task). Every problem in every file is reported at once.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../canonical-json.js";
import { InputError, type Problem } from "../errors.js";
import { csvDialectProblems } from "./csv-dialect.js";
import { suggest } from "./did-you-mean.js";
import { resolveInsideRepo } from "./repo-paths.js";
import { remoteFileProblem, resolveDataPin, type DataPin } from "./data-pin.js";
import { readYamlSpec, type Locator } from "./read-yaml-spec.js";
import { checkModelAgainstData, featureName, type At } from "./check-model-spec.js";
import {
  dataSpecSchema,
  modelSpecSchema,
  projectSchema,
  type DataSpec,
  type ModelSpec,
  type ProjectSpec,
} from "./schemas.js";

export interface LoadedModel {
  name: string;
  /** Absolute path of the model spec. */
  specFile: string;
  spec: ModelSpec;
  /** Absolute path of the data spec. */
  dataSpecFile: string;
  data: DataSpec;
  /** Absolute path of the data file (of the pattern, when the data spec names part files by a glob). */
  dataFile: string;
  /**
   * The part files a glob in the data spec's `file` matched (absolute, sorted by their path
   * relative to the data spec). Absent for a single file.
   */
  dataParts?: string[];
  /** The hash the data file's bytes must have: data fetched by a workflow step (`sha256:`, `dvc:`). */
  pin?: DataPin;
  /** sha256 of the canonical JSON of the parsed model and data specs, the data's `sha256:` pin left out (DESIGN.md section 5). */
  specHash: string;
  /** The feature names in spec order. */
  features: string[];
  /** Absolute path of the ONNX file of an `algorithm: { type: onnx }` model. */
  onnxFile?: string;
  /** Where things are written in the model spec, for later problems (e.g. data checks). */
  locate: Locator;
}

export interface LoadedProject {
  /** The repository root: the folder of modelgate.yml. */
  root: string;
  configFile: string;
  config: ProjectSpec;
  /** Absolute path of the registry folder. */
  registryDir: string;
  models: LoadedModel[];
}

export interface LoadOptions {
  /** Load only these models (names as in modelgate.yml). */
  only?: string[];
  /** Shown in messages instead of absolute paths: paths are made relative to this folder. */
  displayBase?: string;
}

/** Reads and cross-checks every spec; throws an InputError listing every problem found. */
export function loadProject(configFile: string, options: LoadOptions = {}): LoadedProject {
  const configAbs = path.resolve(configFile);
  const root = path.dirname(configAbs);
  const base = options.displayBase ?? process.cwd();
  const show = (p: string) => displayPath(base, p);
  const problems: Problem[] = [];

  if (!existsSync(configAbs)) {
    throw new InputError({
      file: show(configAbs),
      message: "the configuration file does not exist",
      hint: "run in the repository root or pass --config path/to/modelgate.yml",
    });
  }
  const project = readYamlSpec(configAbs, show(configAbs), projectSchema, problems);
  if (!project) throw new InputError(problems);
  const config = project.value;

  const registry = resolveInsideRepo(root, configAbs, config.registry);
  if ("error" in registry)
    problems.push({
      file: show(configAbs),
      ...project.locate(["registry"]),
      message: registry.error,
      hint: registry.hint,
    });

  const names = Object.keys(config.models);
  for (const wanted of options.only ?? []) {
    if (!names.includes(wanted))
      problems.push({
        file: show(configAbs),
        ...project.locate(["models"], "key"),
        message: `there is no model "${wanted}"`,
        hint: suggest(wanted, names, "models"),
      });
  }
  const selected = options.only?.length ? names.filter((n) => options.only!.includes(n)) : names;

  const models: LoadedModel[] = [];
  for (const name of selected) {
    const model = loadModel(root, configAbs, name, config.models[name]!, project.locate, show, problems);
    if (model) models.push(model);
  }
  if (problems.length > 0) throw new InputError(problems);
  return {
    root,
    configFile: configAbs,
    config,
    registryDir: "path" in registry ? registry.path : root,
    models,
  };
}

function loadModel(
  root: string,
  configFile: string,
  name: string,
  specPath: string,
  locateConfig: Locator,
  show: (p: string) => string,
  problems: Problem[],
): LoadedModel | undefined {
  const specFile = resolveExisting(
    root,
    configFile,
    specPath,
    show,
    locateConfig(["models", name]),
    problems,
    "model spec",
  );
  if (!specFile) return undefined;
  const model = readYamlSpec(specFile, show(specFile), modelSpecSchema, problems);
  if (!model) return undefined;
  const spec = model.value;
  const at = (p: readonly PropertyKey[], which?: "key" | "value") => ({
    file: show(specFile),
    ...model.locate(p, which),
  });

  const dataSpecFile = resolveExisting(
    root,
    specFile,
    spec.data,
    show,
    model.locate(["data"]),
    problems,
    "data spec",
  );
  if (!dataSpecFile) return undefined;
  const data = readYamlSpec(dataSpecFile, show(dataSpecFile), dataSpecSchema, problems);
  if (!data) return undefined;
  const dataAt = (p: readonly PropertyKey[]) => ({ file: show(dataSpecFile), ...data.locate(p) });

  const remote = remoteFileProblem(data.value.file);
  if (remote) {
    problems.push({ ...dataAt(["file"]), ...remote });
    return undefined;
  }
  const before = problems.length;
  const pinned = data.value.sha256 !== undefined || data.value.dvc !== undefined;
  const isGlob = /[*?[]/.test(data.value.file);
  const dataParts = isGlob
    ? resolveGlob(root, dataSpecFile, data.value.file, show, data.locate(["file"]), problems, pinned)
    : undefined;
  const dataFile = isGlob
    ? dataParts && path.resolve(path.dirname(dataSpecFile), data.value.file)
    : pinned
      ? resolveInside(root, dataSpecFile, data.value.file, show, data.locate(["file"]), problems)
      : resolveExisting(
          root,
          dataSpecFile,
          data.value.file,
          show,
          data.locate(["file"]),
          problems,
          "data file",
        );
  // Pinned data is fetched by a workflow step: its absence is reported when it is read.
  const pin =
    pinned && dataFile !== undefined
      ? resolveDataPin(root, dataSpecFile, data.value, dataFile, data.locate, show, problems, dataParts)
      : undefined;
  checkDataSpec(data.value, dataAt, problems);
  const features = checkModelAgainstData(spec, data.value, at, problems);
  const onnxFile =
    spec.algorithm.type === "onnx"
      ? resolveExisting(
          root,
          specFile,
          spec.algorithm.file,
          show,
          model.locate(["algorithm", "file"]),
          problems,
          "ONNX model",
        )
      : undefined;
  if (!dataFile || problems.length > before) return undefined;

  return {
    name,
    specFile,
    spec,
    dataSpecFile,
    data: data.value,
    dataFile,
    ...(dataParts ? { dataParts } : {}),
    ...(pin ? { pin } : {}),
    // The pin says which bytes, not how they are read: a new pin is a change of data alone.
    specHash: sha256Hex(canonicalJson({ model: spec, data: withoutPin(data.value) })),
    features,
    ...(onnxFile ? { onnxFile } : {}),
    locate: model.locate,
  };
}

/** The data spec as the spec hash sees it: without `sha256:`, the pin of the bytes. */
function withoutPin(data: DataSpec): Omit<DataSpec, "sha256"> {
  const { sha256: _pin, ...rest } = data;
  return rest;
}

/**
 * The files a glob names (`*` and `?` within one path segment, `[...]` classes), sorted by
 * their path relative to the data spec; each must stay inside the repository. No match is a
 * problem.
 */
function resolveGlob(
  root: string,
  fromFile: string,
  pattern: string,
  show: (p: string) => string,
  position: { line: number; column: number },
  problems: Problem[],
  pinned = false,
): string[] | undefined {
  const base = path.dirname(fromFile);
  let found: string[] = [""];
  for (const segment of pattern.split(/[\\/]/)) {
    if (!/[*?[]/.test(segment)) {
      found = found.map((f) => (f === "" ? segment : `${f}/${segment}`));
      continue;
    }
    const re = globSegment(segment);
    found = found.flatMap((f) => {
      const dir = path.resolve(base, f);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names.filter((n) => re.test(n)).map((n) => (f === "" ? n : `${f}/${n}`));
    });
  }
  const files: string[] = [];
  for (const relative of found.sort()) {
    const resolved = resolveInsideRepo(root, fromFile, relative);
    if ("error" in resolved) {
      problems.push({ file: show(fromFile), ...position, message: resolved.error, hint: resolved.hint });
      return undefined;
    }
    if (existsSync(resolved.path) && statSync(resolved.path).isFile()) files.push(resolved.path);
  }
  if (files.length === 0) {
    problems.push({
      file: show(fromFile),
      ...position,
      message: `no data file matches "${pattern}" (looked in ${show(base)})`,
      hint: `paths are relative to ${show(fromFile)}'s folder; * and ? match within one folder name${pinned ? "; pinned parts are fetched by a workflow step before modelgate runs (`dvc pull`, `aws s3 sync`)" : ""}`,
    });
    return undefined;
  }
  return files;
}

function globSegment(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === "*") re += "[^/\\\\]*";
    else if (ch === "?") re += "[^/\\\\]";
    else if (ch === "[") {
      const end = segment.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = segment
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** A path inside the repository that need not exist yet (pinned data a workflow step fetches). */
function resolveInside(
  root: string,
  fromFile: string,
  relative: string,
  show: (p: string) => string,
  position: { line: number; column: number },
  problems: Problem[],
): string | undefined {
  const resolved = resolveInsideRepo(root, fromFile, relative);
  if ("error" in resolved) {
    problems.push({ file: show(fromFile), ...position, message: resolved.error, hint: resolved.hint });
    return undefined;
  }
  if (existsSync(resolved.path) && !statSync(resolved.path).isFile()) {
    problems.push({
      file: show(fromFile),
      ...position,
      message: `the data file "${relative}" is a folder, not a file`,
    });
    return undefined;
  }
  return resolved.path;
}

function resolveExisting(
  root: string,
  fromFile: string,
  relative: string,
  show: (p: string) => string,
  position: { line: number; column: number },
  problems: Problem[],
  what: string,
): string | undefined {
  const resolved = resolveInsideRepo(root, fromFile, relative);
  if ("error" in resolved) {
    problems.push({ file: show(fromFile), ...position, message: resolved.error, hint: resolved.hint });
    return undefined;
  }
  if (!existsSync(resolved.path)) {
    problems.push({
      file: show(fromFile),
      ...position,
      message: `the ${what} "${relative}" does not exist (looked for ${show(resolved.path)})`,
      hint: `paths are relative to ${show(fromFile)}'s folder`,
    });
    return undefined;
  }
  if (!statSync(resolved.path).isFile()) {
    problems.push({
      file: show(fromFile),
      ...position,
      message: `the ${what} "${relative}" is a folder, not a file`,
    });
    return undefined;
  }
  return resolved.path;
}

function checkDataSpec(
  data: DataSpec,
  at: (p: readonly PropertyKey[]) => ReturnType<At>,
  problems: Problem[],
): void {
  for (const p of csvDialectProblems(data))
    problems.push({ ...at(p.path), message: p.message, hint: p.hint });
  const seen = new Map<string, number>();
  data.columns.forEach((c, i) => {
    if (seen.has(c.name))
      problems.push({
        ...at(["columns", i, "name"]),
        message: `column "${c.name}" is listed twice`,
        hint: "remove one",
      });
    seen.set(c.name, i);
    if (
      (c.type === "number" || c.type === "integer") &&
      c.min !== undefined &&
      c.max !== undefined &&
      c.min > c.max
    )
      problems.push({
        ...at(["columns", i, "min"]),
        message: `min ${c.min} is above max ${c.max} for "${c.name}"`,
      });
  });
  data.columns.forEach((c, i) => {
    if (c.type !== "date") return;
    for (const bound of ["min", "max"] as const) {
      const v = c[bound];
      if (v !== undefined && !/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v))
        problems.push({
          ...at(["columns", i, bound]),
          message: `${bound} of date column "${c.name}" is "${v}", not an ISO 8601 date`,
          hint: "write it as 2024-01-31 or 2024-01-31T12:00:00Z",
        });
    }
  });
  if (data.delimiter === '"' || data.delimiter === "\n" || data.delimiter === "\r")
    problems.push({
      ...at(["delimiter"]),
      message: `the delimiter cannot be ${JSON.stringify(data.delimiter)}: it is part of CSV quoting or line ends`,
      hint: 'use ",", ";", "\\t" or "|"',
    });
  const names = [...seen.keys()];
  (data.key ?? []).forEach((k, i) => {
    if (!seen.has(k))
      problems.push({
        ...at(["key", i]),
        message: `key column "${k}" is not a column of this data`,
        hint: suggest(k, names, "columns"),
      });
  });
}

/** Reads one data spec on its own (for `modelgate predict`); throws an InputError. */
export function loadDataSpec(file: string, displayName: string): DataSpec {
  const problems: Problem[] = [];
  const parsed = readYamlSpec(file, displayName, dataSpecSchema, problems);
  if (!parsed) throw new InputError(problems);
  checkDataSpec(parsed.value, (p) => ({ file: displayName, ...parsed.locate(p) }), problems);
  if (problems.length > 0) throw new InputError(problems);
  return parsed.value;
}

/** A path relative to `base` when inside it (readable in messages), else absolute. */
export function displayPath(base: string, p: string): string {
  const rel = path.relative(base, p);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : p;
}

export { featureName };
