/**
 * Checks a pinned data file (src/project/data-pin.ts) against its pin: before the read, that it
 * is there and (DVC) has the pinned size; after it, that its hash is the pinned one. The scan
 * hashes the bytes as it reads them (sha256 always; md5 for a DVC pin, from the same bytes), so
 * a pin costs no second pass over the file.
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { InputError, type Problem } from "../errors.js";
import type { FilePin } from "../project/data-pin.js";

/** Bytes DVC looks at to tell a text file from a binary one (dvc-data's istextblock). */
const TEXT_BLOCK = 512;

/**
 * The md5 DVC records of a file's bytes, computed as they stream by. DVC 3 hashes the bytes
 * (`hash: md5`); DVC 2 read a text file's CRLF as LF first ("md5-dos2unix"), so with
 * `dos2unix` both digests are kept and the first 512 bytes decide which one is DVC's.
 */
export class DvcMd5 {
  private readonly plain: Hash = createHash("md5");
  private readonly unix: Hash | undefined;
  private head = Buffer.alloc(0);
  private pendingCr = false;
  /** Bytes seen. */
  bytes = 0;

  constructor(dos2unix: boolean) {
    this.unix = dos2unix ? createHash("md5") : undefined;
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.plain.update(chunk);
    if (this.unix === undefined || chunk.length === 0) return;
    if (this.head.length < TEXT_BLOCK)
      this.head = Buffer.concat([this.head, chunk.subarray(0, TEXT_BLOCK - this.head.length)]);
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let from = 0;
    if (this.pendingCr) {
      // A CR that ended the last chunk: dropped when this one starts with LF.
      if (bytes[0] !== 0x0a) this.unix.update(CR);
      this.pendingCr = false;
    }
    for (;;) {
      const cr = bytes.indexOf(0x0d, from);
      if (cr < 0) {
        this.unix.update(bytes.subarray(from));
        return;
      }
      if (cr === bytes.length - 1) {
        this.unix.update(bytes.subarray(from, cr));
        this.pendingCr = true;
        return;
      }
      // CRLF: the bytes before the CR; the LF starts the next run.
      this.unix.update(bytes.subarray(from, bytes[cr + 1] === 0x0a ? cr : cr + 1));
      from = cr + 1;
    }
  }

  /** The md5 DVC would record, lower-case hex. Call once, at the end. */
  digest(): string {
    if (this.unix === undefined || !isTextBlock(this.head)) return this.plain.digest("hex");
    if (this.pendingCr) this.unix.update(CR);
    return this.unix.digest("hex");
  }
}

const CR = Buffer.from([0x0d]);

/** dvc-data's heuristic: no NUL byte, and at most 30% of the bytes outside printable ASCII and \n\r\t\f\b. */
function isTextBlock(block: Buffer): boolean {
  if (block.length === 0) return true;
  if (block.includes(0)) return false;
  let other = 0;
  for (const b of block) {
    const text = (b >= 32 && b < 127) || b === 10 || b === 13 || b === 9 || b === 12 || b === 8;
    if (!text) other++;
  }
  return other / block.length <= 0.3;
}

/**
 * Before a pinned file is read: it must be there (a workflow step fetches it) and, when the
 * `.dvc` file gives a size, have it.
 *
 * @param file the data file as messages name it
 * @throws InputError (exit 2) naming the file, what was expected and what to do
 */
export async function checkPinnedFile(pin: FilePin, path: string, file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new InputError({
      file,
      message: `the data file is not here: it is pinned external data (${pinSource(pin)}) that a workflow step fetches before modelgate runs`,
      hint:
        pin.kind === "dvc"
          ? `run \`dvc pull ${pin.dvcFile}\` in a step before modelgate (locally too); see examples/workflows/modelgate-external-data.yml`
          : "fetch it in a step before modelgate (aws s3 cp, azcopy copy, gsutil cp, curl); see examples/workflows/modelgate-external-data.yml",
    });
  }
  if (pin.kind === "dvc" && pin.size !== undefined && size !== pin.size)
    throw new InputError({
      file,
      message: `the data file has ${size} bytes, but ${pin.dvcFile} pins ${pin.size} bytes (md5 ${pin.md5}): these are not the pinned data`,
      hint: mismatchHint(pin),
    });
}

/**
 * After the read: the problem when the file's hash is not the pinned one, else undefined.
 * `md5` is needed for a DVC pin only.
 */
export function pinMismatch(pin: FilePin, file: string, sha256: string, md5: string): Problem | undefined {
  if (pin.kind === "sha256") {
    if (sha256 === pin.sha256) return undefined;
    return {
      file,
      message: `the data file's sha256 is ${sha256}, but ${pin.specFile} pins ${pin.sha256}: these are not the pinned data`,
      hint: mismatchHint(pin),
    };
  }
  if (md5 === pin.md5) return undefined;
  return {
    file,
    message: `the data file's md5 is ${md5}, but ${pin.dvcFile} pins ${pin.md5}: these are not the pinned data`,
    hint: mismatchHint(pin),
  };
}

function pinSource(pin: FilePin): string {
  return pin.kind === "dvc" ? `by ${pin.dvcFile}` : `by sha256 in ${pin.specFile}`;
}

function mismatchHint(pin: FilePin): string {
  return pin.kind === "dvc"
    ? `run \`dvc pull ${pin.dvcFile}\` again to fetch the pinned version; if the data changed on purpose, \`dvc add\` the file and commit the new .dvc file`
    : `re-run the step that fetches the file (the remote copy may have changed); if the data changed on purpose, put its new hash (\`sha256sum\` prints it) in the data spec's \`sha256:\``;
}

/**
 * sha256 of a whole file and its size, and with `dos2unix` given DVC's md5 of it too (else ""),
 * in one streaming pass (for a read that stopped early, and for pinned part files).
 */
export async function hashFile(
  path: string,
  dos2unix?: boolean,
): Promise<{ sha256: string; md5: string; bytes: number }> {
  const sha = createHash("sha256");
  const md5 = dos2unix === undefined ? undefined : new DvcMd5(dos2unix);
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    sha.update(chunk);
    md5?.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: sha.digest("hex"), md5: md5?.digest() ?? "", bytes };
}
