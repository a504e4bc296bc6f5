/**
 * Rows per second of the streaming QR accumulator on 1,000,000 rows × 21 columns (20 features
 * and y), against Givens rotations per row, the alternative we measured before choosing
 * Householder blocks. Not a test: timings depend on the machine.
 *
 *   npx esbuild bench/qr-throughput.ts --bundle --platform=node --format=esm \
 *     --outfile=build/bench/qr-throughput.mjs && node build/bench/qr-throughput.mjs [rows]
 */
import { QrAccumulator } from "../src/train/least-squares/qr-accumulator.js";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const WIDTH = 21;
const ROUNDS = 5;

/**
 * Givens rotations per row into R, the textbook streaming update, for comparison only. It does
 * the same per-row work as QrAccumulator.addRow (finite check, weight, column ranges), so the
 * comparison is of the factoring alone.
 */
class GivensAccumulator {
  private readonly r: Float64Array;
  private readonly x: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  constructor(readonly width: number) {
    this.r = new Float64Array(width * width);
    this.x = new Float64Array(width);
    this.min = new Float64Array(width).fill(Infinity);
    this.max = new Float64Array(width).fill(-Infinity);
  }
  addRow(values: ArrayLike<number>, weight = 1): void {
    const w = this.width;
    const x = this.x;
    const r = this.r;
    if (values.length !== w || !(weight >= 0 && weight < Infinity)) throw new RangeError("bad row");
    const scale = weight === 1 ? 1 : Math.sqrt(weight);
    for (let j = 0; j < w; j++) {
      const v = values[j]! * scale;
      if (v - v !== 0) throw new RangeError("not finite");
      x[j] = v;
    }
    for (let j = 0; j < w; j++) {
      const v = values[j]!;
      if (v < this.min[j]!) this.min[j] = v;
      if (v > this.max[j]!) this.max[j] = v;
    }
    for (let j = 0; j < w; j++) {
      const xj = x[j]!;
      if (xj === 0) continue;
      const d = j * w + j;
      const rj = r[d]!;
      const h = Math.sqrt(rj * rj + xj * xj);
      const c = rj / h;
      const s = xj / h;
      r[d] = h;
      for (let k = j + 1, at = d + 1; k < w; k++, at++) {
        const a = r[at]!;
        const b = x[k]!;
        r[at] = c * a + s * b;
        x[k] = c * b - s * a;
      }
    }
  }
  diagonal(): number {
    return this.r[this.width * this.width - 1]!;
  }
}

/** Deterministic pseudo-random rows (xorshift), generated once so only the factoring is timed. */
function makeRows(rows: number, width: number): Float64Array {
  const data = new Float64Array(rows * width);
  let s = 0x9e3779b9 >>> 0;
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    data[i] = s / 4294967296 - 0.5;
  }
  for (let i = 0; i < rows; i++) data[i * width] = 1; // intercept column
  return data;
}

interface Candidate {
  label: string;
  run: () => number;
  rates: number[];
  check: number;
}

const data = makeRows(ROWS, WIDTH);
const candidates: Candidate[] = [];
const add = (label: string, run: () => number): void => {
  candidates.push({ label, run, rates: [], check: 0 });
};

/** Feeds every row through one reused buffer, as a streaming reader does: no allocation per row. */
function feed(
  row: { length: number; [i: number]: number },
  addRow: (values: ArrayLike<number>) => void,
): void {
  for (let i = 0; i < ROWS; i++) {
    const at = i * WIDTH;
    for (let j = 0; j < WIDTH; j++) row[j] = data[at + j]!;
    addRow(row);
  }
}

for (const blockRows of [64, 128, 256, 512]) {
  add(`Householder, blocks of ${blockRows}`, () => {
    const acc = new QrAccumulator(WIDTH, { blockRows });
    feed(new Float64Array(WIDTH), (row) => acc.addRow(row));
    return acc.factor().r[WIDTH * WIDTH - 1]!;
  });
}
add("Givens rotations per row", () => {
  const acc = new GivensAccumulator(WIDTH);
  feed(new Float64Array(WIDTH), (row) => acc.addRow(row));
  return Math.abs(acc.diagonal());
});
add("Householder (default), number[] rows", () => {
  const acc = new QrAccumulator(WIDTH);
  feed(new Array<number>(WIDTH).fill(0), (row) => acc.addRow(row));
  return acc.factor().r[WIDTH * WIDTH - 1]!;
});

console.log(
  `QR throughput, ${ROWS.toLocaleString("en-US")} rows × ${WIDTH} columns, node ${process.version}`,
);
// Round robin, so a burst of load on a shared machine does not favour one candidate.
for (let round = 0; round < ROUNDS; round++) {
  for (const c of candidates) {
    const start = process.hrtime.bigint();
    c.check = c.run();
    c.rates.push(ROWS / (Number(process.hrtime.bigint() - start) / 1e9));
  }
}
for (const c of candidates) {
  const best = Math.max(...c.rates);
  console.log(
    `${c.label.padEnd(38)} ${Math.round(best).toLocaleString("en-US").padStart(10)} rows/s  ` +
      `(best of ${ROUNDS}: ${c.rates.map((r) => Math.round(r / 1000) + "k").join(" ")}; R[p,p] ${c.check.toPrecision(8)})`,
  );
}
