/**
 * Header blocks (RFC 5322 §2.2) as binary strings: split into fields, unfold, and fold for
 * output. Fields keep their raw text so an unchanged field can be copied byte for byte.
 */

export interface HeaderField {
  /** Lowercased field name. */
  key: string;
  /** Field name as written. */
  name: string;
  /** The value with folding removed (RFC 5322 §2.2.3), leading white space trimmed. */
  value: string;
  /** The field exactly as it appeared, folding included, without the final line end. */
  raw: string;
}

/** Splits a header block into fields. Lines that are not fields (no colon) are dropped. */
export function parseHeaderBlock(block: string): HeaderField[] {
  const fields: HeaderField[] = [];
  const lines = block.split(/\r?\n/);
  let current: string[] = [];
  const flush = () => {
    if (!current.length) return;
    const raw = current.join("\r\n");
    current = [];
    const colon = raw.indexOf(":");
    if (colon <= 0) return;
    const name = raw.slice(0, colon).trim();
    // RFC 5322 §3.6.8: field names are printable ASCII except colon, no spaces.
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) return;
    fields.push({ key: name.toLowerCase(), name, value: unfold(raw.slice(colon + 1)).trim(), raw });
  };
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // A continuation with no field before it belongs to nothing: drop it.
      if (current.length) current.push(line);
    } else {
      flush();
      if (line.length) current.push(line);
    }
  }
  flush();
  return fields;
}

/** RFC 5322 §2.2.3: unfolding removes each CRLF that is followed by white space. */
export function unfold(text: string): string {
  return text.replace(/\r?\n(?=[ \t])/g, "");
}

export function headerValue(fields: HeaderField[], key: string): string | undefined {
  return fields.find((f) => f.key === key)?.value;
}

/**
 * Writes one field, folded at white space so lines stay within 78 characters where possible
 * and never exceed 998 (RFC 5322 §2.1.1). CR and LF inside the value are replaced by spaces:
 * a value can never start a new field (header injection).
 */
export function formatHeader(name: string, value: string): string {
  const clean = value.replace(/[\r\n]+/g, " ");
  const words = clean.split(/(?<=\S)(?=[ \t])/);
  const lines: string[] = [];
  let line = `${name}:`;
  let first = true;
  for (const word of words) {
    const piece = first && !/^[ \t]/.test(word) ? ` ${word}` : word;
    first = false;
    if (line.length + piece.length > 78 && line.trim().length > name.length + 1) {
      lines.push(line);
      line = /^[ \t]/.test(piece) ? piece : ` ${piece}`;
    } else line += piece;
  }
  lines.push(line);
  return lines.flatMap(splitOverlong).join("\r\n");
}

/** A line longer than 998 characters with no white space to fold at is cut hard. */
function splitOverlong(line: string): string[] {
  if (line.length <= 998) return [line];
  const parts: string[] = [];
  for (let i = 0; i < line.length; i += 900) parts.push((i ? " " : "") + line.slice(i, i + 900));
  return parts;
}
