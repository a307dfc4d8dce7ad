/**
 * Some senders take the message as text, not bytes: Cloudflare's send_raw takes `mime_message`
 * as a JSON string and worker-mailer writes its DATA as a UTF-8 string. A 7-bit or UTF-8
 * message survives that round trip byte for byte. One with 8-bit parts in another charset (a
 * Shift_JIS part sent as `8bit`) has those parts base64-encoded first (mime/seven-bit.ts): their
 * content is unchanged, their encoding is not. What still is not text (8-bit bytes in headers
 * outside UTF-8) is refused rather than sent altered.
 */
import { sevenBitBodies } from "../mime/seven-bit";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decode(raw: Uint8Array): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}

/** The message as a string that encodes back to the bytes sent, or null. */
export function rawAsText(raw: Uint8Array): string | null {
  const text = decode(raw);
  if (text !== null) return text;
  try {
    return decode(sevenBitBodies(raw));
  } catch {
    // A message too deep or too large to parse again (MimeLimitError) is refused, not guessed at.
    return null;
  }
}

export const NOT_TEXT = "554 message has 8-bit header bytes that are not UTF-8 and cannot be passed on unchanged";
