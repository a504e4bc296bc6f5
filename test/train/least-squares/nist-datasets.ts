/** Reads the NIST StRD fixtures: the data rows below the "Data:" header line, and certified.json. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../fixtures/nist/", import.meta.url));

export interface Certified {
  n: number;
  coef: number[];
  coef_sd: number[];
  residual_sd: number;
  r_squared: number;
}

/** Data rows of a NIST .dat file as numbers, in the file's column order (y first). */
export function readNistData(file: string): number[][] {
  const lines = readFileSync(dir + file, "utf8").split(/\r?\n/);
  const start = lines.findIndex((l) => /^Data:\s+y\s/.test(l));
  if (start < 0) throw new Error(`${file}: no data header`);
  return lines
    .slice(start + 1)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => l.split(/\s+/).map(Number));
}

export function readCertified(name: "Longley" | "Wampler1" | "Filip"): Certified {
  const all = JSON.parse(readFileSync(dir + "certified.json", "utf8")) as Record<string, Certified>;
  const c = all[name];
  if (!c) throw new Error(`certified.json has no ${name}`);
  return c;
}

/** Significant digits of agreement: -log10 |a - b| / |b| (16 when equal; absolute when b is 0). */
export function digits(actual: number, certified: number): number {
  if (actual === certified) return 16;
  const err = certified === 0 ? Math.abs(actual) : Math.abs(actual - certified) / Math.abs(certified);
  return -Math.log10(err);
}

/** The exact least-squares coefficients of Filip.dat (filip-reference.py, rational arithmetic). */
export function filipReference(): { coef: number[]; residual_sd: number } {
  const json = JSON.parse(readFileSync(dir + "filip-reference.json", "utf8")) as {
    coef: string[];
    residual_sd: string;
  };
  return { coef: json.coef.map(Number), residual_sd: Number(json.residual_sd) };
}
