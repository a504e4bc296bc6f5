/**
 * A file read in chunks into one reusable buffer, with the sha256 of every byte computed on
 * the way (or each read's bytes handed to a caller that hashes them elsewhere). Memory stays at
 * one read plus the longest allowed record, whatever the file size.
 */
import { isAscii } from "node:buffer";
import type { Hash } from "node:crypto";
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";

/** Bytes asked of the file per read, by default. */
export const READ_SIZE = 1 << 20;

/** Bytes always left free after the window, so a parser may write a sentinel at `buf[end]`. */
const SLACK = 16;

/**
 * The window `buf[start, end)` holds bytes not yet consumed. `refill(keepFrom)` drops what lies
 * before `keepFrom`, moves the rest to the front and reads more after it.
 */
export class ChunkReader {
  buf: Buffer;
  end = 0;
  eof = false;
  /** Whether every byte of `buf[0, end)` is ASCII. */
  ascii = true;
  bytes = 0;
  private readonly hash: Hash | undefined;

  private constructor(
    private readonly handle: FileHandle,
    maxRecordBytes: number,
    withHash: boolean,
    private readonly readSize: number,
    private readonly passBytes: ((bytes: Uint8Array) => void) | undefined,
    buffer: Buffer | undefined,
  ) {
    const bytes = ChunkReader.bufferBytes(readSize, maxRecordBytes);
    if (buffer !== undefined && buffer.length < bytes)
      throw new Error(`the read buffer needs ${bytes} bytes`);
    this.buf = buffer ?? Buffer.allocUnsafe(bytes);
    this.hash = withHash ? createHash("sha256") : undefined;
  }

  /** The size of the buffer a reader of `readSize` bytes per read and records of `maxRecordBytes` uses. */
  static bufferBytes(readSize: number, maxRecordBytes: number): number {
    return readSize + maxRecordBytes + 2 * SLACK;
  }

  /**
   * Opens `path`; the caller turns a failure into a Problem. `passBytes` sees the bytes of every
   * read, in file order (a view of the buffer, valid during the call only). `buffer`, at least
   * {@link bufferBytes} long, is the one to read into (by default a new one).
   */
  static async open(
    path: string,
    maxRecordBytes: number,
    withHash: boolean,
    readSize = READ_SIZE,
    passBytes?: (bytes: Uint8Array) => void,
    buffer?: Buffer,
  ): Promise<ChunkReader> {
    const handle = await open(path, "r");
    return new ChunkReader(handle, maxRecordBytes, withHash, readSize, passBytes, buffer);
  }

  /**
   * Keeps `buf[keepFrom, end)` (moved to the front) and reads up to `readSize` more bytes after it.
   * Returns the number of bytes the kept part moved by (subtract it from any index into `buf`).
   * The caller must keep the kept part below `maxRecordBytes`, which the buffer is sized for.
   */
  async refill(keepFrom: number): Promise<number> {
    const kept = this.end - keepFrom;
    if (keepFrom > 0 && kept > 0) this.buf.copyWithin(0, keepFrom, this.end);
    this.end = kept;
    const room = Math.min(this.readSize, this.buf.length - SLACK - this.end);
    // A full buffer reads nothing, and a read of nothing must not pass for the end of the file.
    if (room <= 0) return keepFrom;
    const { bytesRead } = await this.handle.read(this.buf, this.end, room, null);
    if (bytesRead === 0) this.eof = true;
    else {
      const read = this.buf.subarray(this.end, this.end + bytesRead);
      this.hash?.update(read);
      this.passBytes?.(read);
      this.end += bytesRead;
      this.bytes += bytesRead;
    }
    this.ascii = isAscii(this.buf.subarray(0, this.end));
    return keepFrom;
  }

  /** The sha256 of everything read so far, as hex. */
  digest(): string {
    return this.hash === undefined ? "" : this.hash.digest("hex");
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
