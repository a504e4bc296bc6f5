/**
 * A response body read as bytes with a ceiling: what the Action and the App use to fetch a file
 * (an ONNX model) from GitHub without holding more than they accept.
 */

/**
 * An unparsed response body (a stream, or a buffer) as bytes, refused beyond `limit` (the download
 * stops there). `refuse` makes the error for a body that is too large, text or missing.
 */
export async function bytesOfBody(
  body: unknown,
  limit: number,
  what: string,
  refuse: (message: string) => Error = (message) => new Error(message),
): Promise<Uint8Array> {
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    const bytes =
      body instanceof ArrayBuffer
        ? new Uint8Array(body)
        : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    if (bytes.length > limit) throw refuse(`${what} is larger than ${limit} bytes`);
    return bytes;
  }
  if (typeof body === "string") throw refuse(`${what} came back as text, not bytes`);
  if (typeof (body as ReadableStream | null)?.getReader !== "function")
    throw refuse(`${what} has no content`);
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw refuse(`${what} is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
