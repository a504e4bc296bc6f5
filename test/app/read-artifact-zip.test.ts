import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { ArtifactError, readZipEntries, type ZipLimits } from "../../app/read-artifact-zip.js";

const LIMITS: ZipLimits = { maxEntries: 10, maxEntryBytes: 64 * 1024, maxTotalBytes: 100 * 1024 };
const text = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString("utf8") : undefined);
const all = () => true;

/** Offsets of the central directory entries' uncompressed-size fields (what a bomb lies about). */
function sizeFields(zip: Uint8Array): number[] {
  const out: number[] = [];
  for (let at = 0; at + 4 <= zip.length; at++)
    if (zip[at] === 0x50 && zip[at + 1] === 0x4b && zip[at + 2] === 0x01 && zip[at + 3] === 0x02)
      out.push(at + 24);
  return out;
}

describe("readZipEntries", () => {
  it("reads stored and deflated entries and skips the ones not wanted", () => {
    const zip = zipSync({
      "report.json": [Buffer.from('{"a":1}'), { level: 0 }],
      "models/m.json": Buffer.from("x".repeat(5000)),
      "report.html": Buffer.from("<script>"),
    });
    const files = readZipEntries(zip, (n) => n !== "report.html", LIMITS);
    expect([...files.keys()].sort()).toEqual(["models/m.json", "report.json"]);
    expect(text(files.get("report.json"))).toBe('{"a":1}');
    expect(text(files.get("models/m.json"))).toBe("x".repeat(5000));
  });

  it("stops a bomb whose header claims a small size once the inflated bytes pass the limit", () => {
    const zip = zipSync({ "models/m.json": Buffer.alloc(10 * 1024 * 1024, 0x20) });
    expect(zip.length).toBeLessThan(20_000);
    const lying = Uint8Array.from(zip);
    for (const at of sizeFields(lying)) lying.set([100, 0, 0, 0], at);
    expect(() => readZipEntries(lying, all, LIMITS)).toThrow(
      new ArtifactError('the file "models/m.json" in the zip inflates to more than 65536 bytes'),
    );
    // Told the truth, the declared size is refused before anything is inflated.
    expect(() => readZipEntries(zip, all, LIMITS)).toThrow(/is 10485760 bytes; the limit is 65536/);
  });

  it("bounds the total of all wanted entries", () => {
    const zip = zipSync({ a: Buffer.alloc(60 * 1024, 1), b: Buffer.alloc(60 * 1024, 2) });
    expect(() => readZipEntries(zip, all, LIMITS)).toThrow(
      /"b" in the zip is 61440 bytes; the limit is 40960/,
    );
  });

  it("refuses too many entries, a name given twice, and what is not a zip", () => {
    const many = zipSync(
      Object.fromEntries(Array.from({ length: 11 }, (_, k) => [`f${k}`, Buffer.from("x")])),
    );
    expect(() => readZipEntries(many, all, LIMITS)).toThrow(
      "the zip lists 11 entries; at most 10 are accepted",
    );
    const once = zipSync({ aa: Buffer.from("1"), ab: Buffer.from("2") });
    const twice = Uint8Array.from(once);
    // Rename "ab" to "aa" in both headers: the same name twice.
    for (let at = 0; at + 2 <= twice.length; at++)
      if (twice[at] === 0x61 && twice[at + 1] === 0x62) twice[at + 1] = 0x61;
    expect(() => readZipEntries(twice, all, LIMITS)).toThrow('the file "aa" in the zip appears twice');
    expect(() => readZipEntries(Buffer.from("not a zip at all, just some text"), all, LIMITS)).toThrow(
      "not a zip archive (no end of central directory)",
    );
    expect(() => readZipEntries(once.subarray(0, once.length - 30), all, LIMITS)).toThrow(ArtifactError);
  });

  it("refuses corrupt deflate data as invalid, not as a crash", () => {
    const zip = Uint8Array.from(zipSync({ r: Buffer.from("y".repeat(2000)) }));
    // The deflate stream starts after the 30-byte local header and the 1-byte name.
    zip.fill(0xff, 31, 41);
    expect(() => readZipEntries(zip, all, LIMITS)).toThrow(/"r" in the zip is not valid deflate data/);
  });

  it("refuses a deflate stream cut short, keeping the sizes the directory claims", () => {
    const entries = { r: Buffer.from(Array.from({ length: 4000 }, (_, i) => String(i % 97)).join(",")) };
    const whole = Buffer.from(zipSync(entries));
    expect(readZipEntries(whole, all, LIMITS).get("r")?.length).toBe(entries.r.length);
    // Zero the second half of the compressed data: the stream no longer reaches its end block.
    const compressed = whole.readUInt32LE(18);
    const cut = Buffer.from(whole);
    cut.fill(0, 31 + Math.floor(compressed / 2), 31 + compressed);
    expect(() => readZipEntries(cut, all, LIMITS)).toThrow(/"r" in the zip is not valid deflate data/);
  });
});
