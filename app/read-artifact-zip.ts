/**
 * Reading files out of an artifact zip that a pull request's run produced, as untrusted input:
 * the central directory is parsed by hand (so sizes are known before anything is inflated),
 * only the wanted entries are inflated (by zlib, in 16 KiB steps of output), and inflation stops
 * the moment an entry or the whole outgrows its limit, whatever the headers claimed. A zip bomb
 * costs at most the limit plus one step's worth of output.
 */
import { inflateRawSync } from "node:zlib";

/** Limits on one artifact's archive. */
export interface ZipLimits {
  /** Entries the central directory may list. */
  maxEntries: number;
  /** Bytes one wanted entry may inflate to. */
  maxEntryBytes: number;
  /** Bytes all wanted entries together may inflate to. */
  maxTotalBytes: number;
}

/** An archive that is malformed, unsupported or over a limit; the message is ours, never the archive's. */
export class ArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArtifactError";
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function u16(b: Uint8Array, at: number): number {
  if (at + 2 > b.length) throw new ArtifactError("the zip is truncated");
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  if (at + 4 > b.length) throw new ArtifactError("the zip is truncated");
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function findEndOfCentralDirectory(zip: Uint8Array): number {
  // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) if (u32(zip, at) === EOCD) return at;
  throw new ArtifactError("not a zip archive (no end of central directory)");
}

function centralDirectory(zip: Uint8Array, maxEntries: number): Entry[] {
  const end = findEndOfCentralDirectory(zip);
  const count = u16(zip, end + 10);
  const offset = u32(zip, end + 16);
  if (count === 0xffff || offset === 0xffffffff) throw new ArtifactError("ZIP64 archives are not accepted");
  if (count > maxEntries)
    throw new ArtifactError(`the zip lists ${count} entries; at most ${maxEntries} are accepted`);
  const entries: Entry[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let at = offset;
  for (let k = 0; k < count; k++) {
    if (u32(zip, at) !== CENTRAL) throw new ArtifactError("the zip's central directory is corrupt");
    const nameLength = u16(zip, at + 28);
    const extraLength = u16(zip, at + 30);
    const commentLength = u16(zip, at + 32);
    if (at + 46 + nameLength > zip.length) throw new ArtifactError("the zip is truncated");
    const entry: Entry = {
      flags: u16(zip, at + 8),
      method: u16(zip, at + 10),
      compressedSize: u32(zip, at + 20),
      size: u32(zip, at + 24),
      localOffset: u32(zip, at + 42),
      name: decoder.decode(zip.subarray(at + 46, at + 46 + nameLength)),
    };
    if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff || entry.localOffset === 0xffffffff)
      throw new ArtifactError("ZIP64 archives are not accepted");
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function entryData(zip: Uint8Array, e: Entry): Uint8Array {
  if (u32(zip, e.localOffset) !== LOCAL) throw new ArtifactError("the zip's local header is corrupt");
  const start = e.localOffset + 30 + u16(zip, e.localOffset + 26) + u16(zip, e.localOffset + 28);
  if (start + e.compressedSize > zip.length) throw new ArtifactError("the zip is truncated");
  return zip.subarray(start, start + e.compressedSize);
}

function inflateBounded(data: Uint8Array, limit: number, what: () => string): Uint8Array {
  try {
    // zlib inflates in 16 KiB steps and stops the moment the output would pass the limit.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, limit) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE")
      throw new ArtifactError(`${what()} inflates to more than ${limit} bytes`);
    throw new ArtifactError(`${what()} is not valid deflate data`);
  }
}

/**
 * The wanted files of a zip, by exact entry name. Refuses (ArtifactError) an archive that is not
 * a plain zip, lists too many entries, names a wanted file twice, encrypts or uses an unknown
 * compression for one, or whose wanted files inflate past the limits.
 */
export function readZipEntries(
  zip: Uint8Array,
  wanted: (name: string) => boolean,
  limits: ZipLimits,
): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let total = 0;
  for (const e of centralDirectory(zip, limits.maxEntries)) {
    if (!wanted(e.name)) continue;
    const what = () => `the file ${JSON.stringify(e.name)} in the zip`;
    if (out.has(e.name)) throw new ArtifactError(`${what()} appears twice`);
    if (e.flags & 1) throw new ArtifactError(`${what()} is encrypted`);
    const limit = Math.min(limits.maxEntryBytes, limits.maxTotalBytes - total);
    // The declared size is only a hint (a bomb lies about it); the inflater enforces the limit.
    if (e.size > limit) throw new ArtifactError(`${what()} is ${e.size} bytes; the limit is ${limit}`);
    const data = entryData(zip, e);
    let bytes: Uint8Array;
    if (e.method === 0) {
      if (data.length > limit) throw new ArtifactError(`${what()} is larger than ${limit} bytes`);
      bytes = data.slice();
    } else if (e.method === 8) bytes = inflateBounded(data, limit, what);
    else
      throw new ArtifactError(
        `${what()} uses compression method ${e.method}; only stored and deflate are accepted`,
      );
    total += bytes.length;
    out.set(e.name, bytes);
  }
  return out;
}
