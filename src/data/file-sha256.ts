/** The sha256 of a whole file, read in 1 MiB chunks. */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** sha256 of a file's bytes, hex. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    hash.update(chunk);
  return hash.digest("hex");
}
