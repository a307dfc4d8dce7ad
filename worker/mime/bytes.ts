/**
 * Byte helpers. The MIME code works on "binary strings" (one char per byte, 0–255) so that
 * string offsets are byte offsets: parts that are not rewritten are copied from the original
 * bytes by offset, untouched.
 */

const CHUNK = 0x2000;

/** Bytes → binary string (each char code is one byte). Not a charset decode. */
export function bytesToBinary(bytes: Uint8Array): string {
  // Small chunks joined once: twice as fast as growing one string (measured in bench/).
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += CHUNK) {
    parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]));
  }
  return parts.join("");
}

/** Binary string → bytes. Chars above 0xFF are a programming error and are masked. */
export function binaryToBytes(binary: string): Uint8Array {
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i) & 0xff;
  return out;
}

/** UTF-8 string → binary string. */
export function utf8ToBinary(text: string): string {
  return bytesToBinary(new TextEncoder().encode(text));
}

export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Reads a ReadableStream fully, refusing to buffer more than `limit` bytes. */
export async function readAll(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new RangeError(`message larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return concatBytes(chunks);
}
