/**
 * Cell values from bytes: numbers, booleans and ISO 8601 dates. These run once per cell on the
 * hot path of every read, so numbers are read straight from the bytes without making a string,
 * and fall back to `Number()` only where a fast exact answer is impossible.
 */

// Every power of ten up to 1e22 is exact in a double, which is what makes the fast path exact.
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

const SPACE = 32;
const TAB = 9;

/** First index in [s, e) that is not a space or tab. */
export function trimStart(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  return s;
}

/** One past the last index in [s, e) that is not a space or tab. */
export function trimEnd(buf: Uint8Array, s: number, e: number): number {
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  return e;
}

/**
 * The decimal number written in `buf[s, e)` (already trimmed), or NaN when it is not one.
 *
 * Accepted: an optional sign, digits with an optional fraction (`12`, `12.`, `.5`, `-3.25`), and
 * an optional exponent (`1e-3`, `2E+10`). Refused: empty text, `NaN`, `Infinity`, hexadecimal,
 * thousands separators, and values too large for a double. The result equals `Number(text)`
 * for every accepted text: with at most 15 digits and a power of ten up to 22 the
 * one division or multiplication below is correctly rounded (both operands are exact); anything
 * else goes through `Number()`. `point` is the decimal separator: `.` (46, the default) or `,` (44).
 */
export function parseNumberBytes(buf: Uint8Array, s: number, e: number, point = 46): number {
  let i = s;
  let negative = false;
  const c = buf[i];
  if (c === 45) {
    negative = true;
    i++;
  } else if (c === 43) {
    i++;
  }
  // Leading zeros cost nothing here (0 * 10 + 0), so any text of at most 15 digits has an exact
  // mantissa; longer ones go through Number() below.
  let mantissa = 0;
  let exponent = 0;
  const intStart = i;
  while (i < e) {
    const d = buf[i]! - 48;
    if (d >>> 0 > 9) break;
    mantissa = mantissa * 10 + d;
    i++;
  }
  let digits = i - intStart;
  if (i < e && buf[i] === point) {
    i++;
    const fracStart = i;
    while (i < e) {
      const d = buf[i]! - 48;
      if (d >>> 0 > 9) break;
      mantissa = mantissa * 10 + d;
      i++;
    }
    exponent = fracStart - i;
    digits += i - fracStart;
  }
  if (digits === 0) return NaN;
  if (i < e && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNegative = false;
    if (buf[i] === 45) {
      expNegative = true;
      i++;
    } else if (buf[i] === 43) {
      i++;
    }
    let written = 0;
    let expDigits = 0;
    while (i < e) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      if (written < 100000) written = written * 10 + d;
      expDigits++;
      i++;
    }
    if (expDigits === 0) return NaN;
    exponent += expNegative ? -written : written;
  }
  if (i !== e) return NaN;
  let value: number;
  if (mantissa === 0) value = 0;
  else if (digits <= 15 && exponent >= -22 && exponent <= 22) {
    value = exponent < 0 ? mantissa / POW10[-exponent]! : mantissa * POW10[exponent]!;
  } else {
    const text = latin1(buf, s, e);
    value = Number(point === 46 ? text : text.replace(",", "."));
    return Number.isFinite(value) ? value : NaN;
  }
  return negative ? -value : value;
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString("latin1");
}

/**
 * 1 for true, 0 for false, NaN when `buf[s, e)` (already trimmed) is not a boolean. Accepted,
 * in any letter case: `true`/`false`, `yes`/`no`, `1`/`0`.
 */
export function parseBooleanBytes(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  const lower = (k: number) => buf[s + k]! | 0x20;
  switch (n) {
    case 1:
      return buf[s] === 49 ? 1 : buf[s] === 48 ? 0 : NaN;
    case 2:
      return lower(0) === 110 && lower(1) === 111 ? 0 : NaN; // no
    case 3:
      return lower(0) === 121 && lower(1) === 101 && lower(2) === 115 ? 1 : NaN; // yes
    case 4:
      return lower(0) === 116 && lower(1) === 114 && lower(2) === 117 && lower(3) === 101 ? 1 : NaN; // true
    case 5:
      return lower(0) === 102 && lower(1) === 97 && lower(2) === 108 && lower(3) === 115 && lower(4) === 101
        ? 0
        : NaN; // false
    default:
      return NaN;
  }
}

const DATE_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Milliseconds since 1970-01-01T00:00:00Z for an ISO 8601 date or date-time, NaN when `text` is
 * not one. Accepted: `YYYY-MM-DD`, optionally followed by `T` (or a space) and `hh:mm`,
 * `hh:mm:ss` or `hh:mm:ss.fff` (up to 9 fraction digits, cut to milliseconds), and a zone `Z`,
 * `+hh:mm`, `+hhmm` or `+hh`. A date-time without a zone is read as UTC, so a result never
 * depends on the machine's time zone. Calendar-impossible values (2023-02-29, 24:00, second 60)
 * are refused.
 */
export function parseIsoDate(text: string): number {
  const m = DATE_PATTERN.exec(text);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  let ms = daysFromCivil(year, month, day) * 86_400_000;
  if (m[4] !== undefined) {
    const hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = m[6] === undefined ? 0 : Number(m[6]);
    if (hour > 23 || minute > 59 || second > 59) return NaN;
    const fraction = m[7] === undefined ? 0 : Number(`${m[7]}00`.slice(0, 3));
    ms += ((hour * 60 + minute) * 60 + second) * 1000 + fraction;
    const zone = m[8];
    if (zone !== undefined && zone !== "Z") {
      const sign = zone[0] === "-" ? -1 : 1;
      const digits = zone.slice(1).replace(":", "");
      const zh = Number(digits.slice(0, 2));
      const zm = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (zh > 23 || zm > 59) return NaN;
      ms -= sign * (zh * 60 + zm) * 60_000;
    }
  }
  return ms;
}
