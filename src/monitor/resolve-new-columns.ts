/**
 * New data may not have the columns the data spec names: a column dropped upstream, or one
 * added. The data layer calls either an error; monitoring calls it drift, reads what is there,
 * and says what changed. A probe read with every column taken as nullable text finds the
 * columns without caring about their values; the real read then uses the data spec's types
 * for every column that is there. A Parquet file says its columns and their types in its footer:
 * that is read instead of a probe, and a new column takes the type its file type reads as.
 */
import { InputError, type Problem } from "../errors.js";
import { readFileColumns } from "../data/file-columns.js";
import { dataFormat } from "../data/read-dataset.js";
import { scanDataset } from "../data/scan-dataset.js";
import type { ColumnSpec, ColumnType, DataSpec } from "../project/schemas.js";

export interface ResolvedColumns {
  /** The data spec for the file as it is: absent columns dropped, new ones read as nullable text. */
  spec: DataSpec;
  /** Columns of the file that the data spec does not describe, in the order first found. */
  added: string[];
  /** Columns of the data spec that the file does not have. */
  absent: string[];
}

// The data layer's messages for a column in the file but not the spec, and the other way round
// (CSV header, JSON keys). Pinned by this folder's tests for CSV, JSON and JSON Lines.
const ADDED = [
  /is in the file but not in the data spec$/,
  /^key ".*" is not a column of the data spec$/,
  /records with a key that is not a column/,
];
const ABSENT = [
  /is in the data spec but not in the file's header$/,
  /is in the data spec but in no record of the file$/,
];

/** Passes of the probe at most: each finds what the one before stopped short of. */
const MAX_PROBES = 4;

/**
 * Finds which columns of `spec` the file at `path` has, and which it has beyond them. A CSV
 * file without a header row names no columns, so it is taken as the spec describes it.
 * Any other problem of the file (missing, not UTF-8, a bad value) is left to the read that
 * follows, which reports it in full with the data spec's types.
 */
export async function resolveNewColumns(
  spec: DataSpec,
  path: string,
  options: { file: string; specFile: string },
): Promise<ResolvedColumns> {
  const format = dataFormat(spec, path, options.file);
  if (format === "csv" && !spec.header) return { spec: forMonitoring(spec, [], []), added: [], absent: [] };
  if (format === "parquet") return parquetColumns(spec, path, options.file);
  const added: string[] = [];
  const absent: string[] = [];
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const probeSpec: DataSpec = {
      ...spec,
      columns: [
        ...spec.columns.filter((c) => !absent.includes(c.name)).map(asText),
        ...added.map((name) => asText({ name, type: "string", nullable: true })),
      ],
      key: undefined,
      checks: {},
    };
    let problems: Problem[];
    try {
      await scanDataset(probeSpec, path, {
        ...options,
        sampleSize: 0,
        topCategories: 0,
        maxTracked: 1,
        recycle: true,
      });
      break;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      problems = e.problems;
    }
    let found = false;
    for (const p of problems) {
      if (p.field === undefined) continue;
      if (ADDED.some((r) => r.test(p.message)) && !added.includes(p.field)) {
        added.push(p.field);
        found = true;
      } else if (ABSENT.some((r) => r.test(p.message)) && !absent.includes(p.field)) {
        absent.push(p.field);
        found = true;
      }
    }
    // Anything else is wrong with the file itself: the real read will say what, in full.
    if (!found) break;
  }
  return { spec: forMonitoring(spec, added, absent), added, absent };
}

/**
 * The columns of a Parquet file, from its footer: a new column is read as the type its file type
 * reads as (a nested one, which no type reads, as text: the read then says why it cannot).
 */
async function parquetColumns(spec: DataSpec, path: string, file: string): Promise<ResolvedColumns> {
  let found;
  try {
    found = await readFileColumns(path, { file, format: "parquet" });
  } catch (e) {
    // A file that cannot be read is left to the real read, which says why in full.
    if (e instanceof InputError) return { spec: forMonitoring(spec, [], []), added: [], absent: [] };
    throw e;
  }
  const { names, types = [] } = found;
  const known = new Set(spec.columns.map((c) => c.name));
  const inFile = new Set(names);
  const added = names.filter((n) => !known.has(n));
  const absent = spec.columns.filter((c) => !inFile.has(c.name)).map((c) => c.name);
  const addedTypes = new Map(names.map((n, i) => [n, types[i] ?? "string"]));
  return { spec: forMonitoring(spec, added, absent, addedTypes), added, absent };
}

function asText(c: ColumnSpec): ColumnSpec {
  return { name: c.name, type: "string", nullable: true };
}

/**
 * The spec for the monitoring read: every column that is there with its declared type. The
 * dataset checks (minRows, maxMissingShare) are left out: a batch of new data may be small,
 * and missing values that rose are a finding of the monitor, not a reason to stop it. The key
 * only chooses the split, which monitoring does not use.
 */
function forMonitoring(
  spec: DataSpec,
  added: string[],
  absent: string[],
  addedTypes?: ReadonlyMap<string, ColumnType>,
): DataSpec {
  return {
    ...spec,
    columns: [
      ...spec.columns.filter((c) => !absent.includes(c.name)),
      ...added.map((name): ColumnSpec => ({ name, type: addedTypes?.get(name) ?? "string", nullable: true })),
    ],
    key: undefined,
    checks: {},
  };
}
