import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBooleanBytes, parseIsoDate, parseNumberBytes } from "../../src/data/parse-values.js";

const bytes = (s: string) => Buffer.from(s, "latin1");
const num = (s: string) => parseNumberBytes(bytes(s), 0, s.length);

describe("numbers from bytes", () => {
  it("equal Number() for every decimal text, including the cases past the fast path", () => {
    const digits = fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: 1, maxLength: 25 });
    const text = fc
      .tuple(
        fc.constantFrom("", "-", "+"),
        digits,
        fc.option(fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: 20 })),
        fc.option(
          fc.tuple(
            fc.constantFrom("e", "E"),
            fc.constantFrom("", "-", "+"),
            fc.integer({ min: 0, max: 330 }),
          ),
        ),
      )
      .map(
        ([sign, int, frac, exp]) =>
          `${sign}${int}${frac === null ? "" : `.${frac}`}${exp === null ? "" : `${exp[0]}${exp[1]}${exp[2]}`}`,
      );
    fc.assert(
      fc.property(text, (t) => {
        const expected = Number(t);
        expect(Object.is(num(t), Number.isFinite(expected) ? expected : NaN)).toBe(true);
      }),
      { seed: 5, numRuns: 20000 },
    );
  });

  it("equal Number() on the shortest text of any double", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(num(String(x)), Number(String(x)))).toBe(true);
      }),
      { seed: 6, numRuns: 20000 },
    );
  });

  it("accept .5 and 5. and refuse what is not a plain decimal number", () => {
    expect(num(".5")).toBe(0.5);
    expect(num("5.")).toBe(5);
    expect(num("-0")).toBe(-0);
    for (const bad of [
      "",
      "-",
      ".",
      "e5",
      "1e",
      "1e+",
      "NaN",
      "Infinity",
      "0x10",
      "1,000",
      "1 2",
      "1e400",
      "--1",
      "1.2.3",
    ]) {
      expect(num(bad), bad).toBeNaN();
    }
  });
});

describe("booleans from bytes", () => {
  it("read true/false, yes/no and 1/0 in any letter case", () => {
    const b = (s: string) => parseBooleanBytes(bytes(s), 0, s.length);
    for (const t of ["true", "TRUE", "True", "yes", "YES", "1"]) expect(b(t), t).toBe(1);
    for (const f of ["false", "FALSE", "no", "No", "0"]) expect(b(f), f).toBe(0);
    for (const x of ["t", "f", "y", "n", "2", "truee", "on", "off", "", "nO!"]) expect(b(x), x).toBeNaN();
  });
});

describe("ISO 8601 dates", () => {
  it("read dates and date-times as UTC milliseconds, with zones", () => {
    expect(parseIsoDate("1970-01-01")).toBe(0);
    expect(parseIsoDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate("2021-03-04T05:06")).toBe(Date.UTC(2021, 2, 4, 5, 6));
    expect(parseIsoDate("2021-03-04 05:06:07")).toBe(Date.UTC(2021, 2, 4, 5, 6, 7));
    expect(parseIsoDate("2021-03-04T05:06:07.891Z")).toBe(Date.UTC(2021, 2, 4, 5, 6, 7, 891));
    expect(parseIsoDate("2021-03-04T05:06:07.8919999Z")).toBe(Date.UTC(2021, 2, 4, 5, 6, 7, 891));
    expect(parseIsoDate("2021-03-04T05:06:07+02:00")).toBe(Date.UTC(2021, 2, 4, 3, 6, 7));
    expect(parseIsoDate("2021-03-04T05:06:07-0130")).toBe(Date.UTC(2021, 2, 4, 6, 36, 7));
    expect(parseIsoDate("0099-12-31")).toBe(Date.parse("0099-12-31T00:00:00Z"));
  });

  it("agree with Date.parse on generated valid date-times", () => {
    const dateTime = fc
      .date({
        min: new Date("0001-01-01T00:00:00Z"),
        max: new Date("9999-12-31T23:59:59Z"),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
    fc.assert(
      fc.property(dateTime, (t) => {
        expect(parseIsoDate(t)).toBe(Date.parse(t));
        expect(parseIsoDate(t.slice(0, 10))).toBe(Date.parse(`${t.slice(0, 10)}T00:00:00Z`));
      }),
      { seed: 8, numRuns: 5000 },
    );
  });

  it("refuse impossible or other formats", () => {
    for (const bad of [
      "2023-02-29",
      "2021-13-01",
      "2021-00-10",
      "2021-04-31",
      "2021-01-01T24:00",
      "2021-01-01T12:60",
      "2021-01-01T12:00:60",
      "21-01-01",
      "2021/01/01",
      "01.02.2021",
      "2021-01-01Z",
      "2021-01-01T12",
      "",
      "1612137600000",
    ]) {
      expect(parseIsoDate(bad), bad).toBeNaN();
    }
  });
});
