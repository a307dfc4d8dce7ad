/**
 * Content-Transfer-Encoding (RFC 2045 §6) on binary strings. Encoders always write CRLF line
 * ends and keep lines within RFC 2045's 76-character limit.
 */

/**
 * Lenient base64 decode: ignores white space and junk, tolerates missing padding, and — like
 * mail clients — keeps decoding after padding in the middle (each line padded on its own).
 */
export function decodeBase64(text: string): string {
  let out = "";
  for (const run of text.replace(/[^A-Za-z0-9+/=]/g, "").match(/[A-Za-z0-9+/]+={0,2}/g) ?? []) {
    let clean = run.replace(/=+$/, "");
    const rest = clean.length % 4;
    if (rest === 1) clean = clean.slice(0, -1);
    else if (rest) clean += "=".repeat(4 - rest);
    out += atob(clean);
  }
  return out;
}

export function encodeBase64(binary: string): string {
  const lines: string[] = [];
  const LINE_BYTES = 57; // 57 bytes → 76 base64 characters
  for (let i = 0; i < binary.length; i += LINE_BYTES) lines.push(btoa(binary.slice(i, i + LINE_BYTES)));
  return lines.join("\r\n") + (lines.length ? "\r\n" : "");
}

/** RFC 2045 §6.7: soft breaks "=" + line end are removed; "=XX" becomes a byte. */
export function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/[ \t]+(?=\r?\n)/g, "")
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * RFC 2045 §6.7 encoder: encoded lines are at most 76 characters including the "=" of a soft
 * break, soft breaks are "=" CRLF, an escape is never split, and trailing white space is
 * escaped. Input line breaks (CRLF or LF) become CRLF hard breaks.
 */
export function encodeQuotedPrintable(binary: string): string {
  const out: string[] = [];
  for (const line of binary.split(/\r?\n/)) {
    let current = "";
    for (let i = 0; i < line.length; i++) {
      const code = line.charCodeAt(i);
      const last = i === line.length - 1;
      let token: string;
      if ((code === 0x20 || code === 0x09) && !last) token = line[i];
      else if (code >= 0x21 && code <= 0x7e && code !== 0x3d) token = line[i];
      else token = "=" + code.toString(16).toUpperCase().padStart(2, "0");
      // Keep "." off the start of a line: some MTAs still treat it specially (RFC 5321 §4.5.2).
      if (current.length === 0 && token === ".") token = "=2E";
      if (current.length + token.length > 75) {
        out.push(current + "=");
        current = "";
      }
      current += token;
    }
    out.push(current);
  }
  return out.join("\r\n");
}

/** Canonical CRLF line ends (RFC 5322 §2.3): bare LF and bare CR become CRLF. */
export function toCrlf(text: string): string {
  return text.replace(/\r\n|\r|\n/g, "\r\n");
}
