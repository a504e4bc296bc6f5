/**
 * Zips files the way an artifact upload does (deflated entries, no data descriptors), with the
 * native zlib. An entry with the same bytes as an earlier one reuses its deflated form: tests
 * upload the same model file in every run, and deflating it again would dominate their time.
 */
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";

interface Deflated {
  crc: number;
  size: number;
  data: Buffer;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` (zip's checksum). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const deflatedCache = new Map<string, Deflated>();
const CACHE_ENTRIES = 64;

function deflate(bytes: Buffer): Deflated {
  const key = createHash("sha1").update(bytes).digest("hex");
  const kept = deflatedCache.get(key);
  if (kept) return kept;
  const made = { crc: crc32(bytes), size: bytes.length, data: deflateRawSync(bytes) };
  if (deflatedCache.size >= CACHE_ENTRIES) deflatedCache.delete(deflatedCache.keys().next().value!);
  deflatedCache.set(key, made);
  return made;
}

/** DOS date and time of `date` (UTC), as zip headers hold them. */
function dosTime(date: Date): { time: number; day: number } {
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    day: ((date.getUTCFullYear() - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  };
}

/** A zip of `files` (path -> bytes), every entry deflated, stamped `mtime`. */
export function zipFiles(files: Record<string, Buffer>, mtime: Date): Buffer {
  const { time, day } = dosTime(mtime);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [path, bytes] of Object.entries(files)) {
    const name = Buffer.from(path, "utf8");
    const d = deflate(bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(day, 12);
    local.writeUInt32LE(d.crc, 14);
    local.writeUInt32LE(d.data.length, 18);
    local.writeUInt32LE(d.size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(day, 14);
    central.writeUInt32LE(d.crc, 16);
    central.writeUInt32LE(d.data.length, 20);
    central.writeUInt32LE(d.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, d.data);
    centrals.push(central, name);
    offset += local.length + name.length + d.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
