/**
 * Some senders take the message as text, not bytes: Cloudflare's send_raw takes `mime_message`
 * as a JSON string and worker-mailer writes its DATA as a UTF-8 string. A 7-bit or UTF-8
 * message survives that round trip byte for byte; 8-bit bytes in another charset (a Shift_JIS
 * part sent as 8bit) would not, so those are refused here rather than sent altered.
 */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The message as a string that encodes back to exactly these bytes, or null. */
export function rawAsText(raw: Uint8Array): string | null {
  try {
    return strictUtf8.decode(raw);
  } catch {
    return null;
  }
}

export const NOT_TEXT = "554 message has 8-bit content that is not UTF-8 and cannot be passed on unchanged";
