/**
 * Charset decoding and encoding. workerd's TextDecoder knows the legacy Japanese charsets, but
 * TextEncoder only writes UTF-8; encoders for ISO-2022-JP, Shift_JIS and EUC-JP are built once
 * by decoding every double-byte code with the platform decoder and inverting the table, so a
 * rewritten Japanese part keeps the charset its author chose.
 */

import { binaryToBytes, utf8ToBinary } from "./bytes";

const ALIASES: Record<string, string> = {
  "us-ascii": "us-ascii",
  ascii: "us-ascii",
  "ansi_x3.4-1968": "us-ascii",
  utf8: "utf-8",
  "utf-8": "utf-8",
  cp932: "shift_jis",
  "windows-31j": "shift_jis",
  "x-sjis": "shift_jis",
  sjis: "shift_jis",
  "shift-jis": "shift_jis",
  shift_jis: "shift_jis",
  "ms_kanji": "shift_jis",
  "euc-jp": "euc-jp",
  eucjp: "euc-jp",
  "x-euc-jp": "euc-jp",
  "iso-2022-jp": "iso-2022-jp",
  "csiso2022jp": "iso-2022-jp",
  "iso-8859-1": "windows-1252",
  latin1: "windows-1252",
  "windows-1252": "windows-1252",
  cp1252: "windows-1252",
};

/** Normalises a charset label to the name TextDecoder and our encoders use. */
export function normalizeCharset(label: string | undefined): string {
  const key = (label ?? "").trim().toLowerCase().replace(/^"|"$/g, "");
  if (!key) return "us-ascii";
  return ALIASES[key] ?? key;
}

/**
 * Decodes bytes (a binary string) in a charset; unknown labels fall back to UTF-8. Unicode forms
 * the platform decoder lacks but mail clients read (Outlook, Thunderbird) are decoded here: in
 * UTF-7 "+AEA-" is "@", and UTF-32 hides every ASCII letter between zero bytes, so the relay
 * must read them as the recipient's client will.
 */
export function decodeCharset(binary: string, charset: string): string {
  const name = normalizeCharset(charset);
  if (name === "us-ascii") return binary; // RFC 2046 §4.1.2: 7-bit; 8-bit bytes pass as Latin-1
  if (name === "utf-7" || name === "unicode-1-1-utf-7" || name === "csunicode11utf7") return decodeUtf7(binary);
  if (/^(?:utf-?32(?:le|be)?|ucs-4|iso-10646-ucs-4)$/.test(name)) return decodeUtf32(binary, name);
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(name);
  } catch {
    decoder = new TextDecoder("utf-8");
  }
  return decoder.decode(binaryToBytes(binary));
}

type Table = Map<string, string>;
const tables = new Map<string, Table>();

function buildTable(charset: string): Table {
  const table: Table = new Map();
  const pairs: number[][] = [];
  if (charset === "shift_jis") {
    for (let lead = 0x81; lead <= 0xfc; lead++) {
      if (lead >= 0xa0 && lead <= 0xdf) continue;
      for (let trail = 0x40; trail <= 0xfc; trail++) if (trail !== 0x7f) pairs.push([lead, trail]);
    }
    for (let b = 0xa1; b <= 0xdf; b++) pairs.push([b]); // half-width katakana
  } else {
    // EUC-JP and ISO-2022-JP share the JIS X 0208 rows (EUC sets the high bits).
    for (let row = 0x21; row <= 0x7e; row++) for (let col = 0x21; col <= 0x7e; col++) pairs.push([row, col]);
  }
  const decoder = new TextDecoder(charset === "iso-2022-jp" ? "euc-jp" : charset);
  for (const pair of pairs) {
    const bytes = charset === "shift_jis" ? pair : pair.map((b) => b | 0x80);
    const text = decoder.decode(new Uint8Array(bytes));
    if (text.length !== 1 || text === "\ufffd" || table.has(text)) continue;
    table.set(text, String.fromCharCode(...(charset === "iso-2022-jp" ? pair : bytes)));
  }
  if (charset === "euc-jp") for (let b = 0xa1; b <= 0xdf; b++) table.set(String.fromCharCode(0xff61 + b - 0xa1), "\x8e" + String.fromCharCode(b));
  return table;
}

function tableFor(charset: string): Table {
  let table = tables.get(charset);
  if (!table) {
    table = buildTable(charset);
    tables.set(charset, table);
  }
  return table;
}

const WINDOWS_1252_HIGH = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ";

/**
 * Encodes text in a charset, returning a binary string, or null when some character has no
 * code there (the caller then relabels the part as UTF-8).
 */
export function encodeCharset(text: string, charset: string): string | null {
  const name = normalizeCharset(charset);
  if (name === "utf-8") return utf8ToBinary(text);
  if (name === "us-ascii") return /^[\x00-\x7f]*$/.test(text) ? text : null;
  if (name === "windows-1252") {
    let out = "";
    for (const ch of text) {
      const code = ch.charCodeAt(0);
      if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) out += ch;
      else {
        const index = WINDOWS_1252_HIGH.indexOf(ch);
        if (index < 0) return null;
        out += String.fromCharCode(0x80 + index);
      }
    }
    return out;
  }
  if (name === "shift_jis" || name === "euc-jp") {
    const table = tableFor(name);
    let out = "";
    for (const ch of text) {
      if (ch.charCodeAt(0) < 0x80) out += ch;
      else {
        const code = table.get(ch);
        if (code === undefined) return null;
        out += code;
      }
    }
    return out;
  }
  if (name === "iso-2022-jp") {
    // RFC 1468: switch to JIS X 0208 with ESC $ B, back to ASCII with ESC ( B before any
    // control character and at the end.
    const table = tableFor(name);
    let out = "";
    let jis = false;
    for (const ch of text) {
      if (ch.charCodeAt(0) < 0x80) {
        if (jis) out += "\x1b(B";
        jis = false;
        out += ch;
      } else {
        const code = table.get(ch);
        if (code === undefined) return null;
        if (!jis) out += "\x1b$B";
        jis = true;
        out += code;
      }
    }
    return jis ? out + "\x1b(B" : out;
  }
  return null;
}

/** RFC 2152: "+" opens modified base64 of UTF-16BE, "-" or any other character closes it; "+-" is "+". */
function decodeUtf7(binary: string): string {
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  let i = 0;
  while (i < binary.length) {
    const ch = binary[i++];
    if (ch !== "+") {
      out += ch;
      continue;
    }
    if (binary[i] === "-") {
      out += "+";
      i++;
      continue;
    }
    let bits = 0;
    let count = 0;
    while (i < binary.length && B64.includes(binary[i])) {
      bits = ((bits << 6) | B64.indexOf(binary[i++])) & 0xffffff;
      count += 6;
      if (count >= 16) {
        count -= 16;
        out += String.fromCharCode((bits >> count) & 0xffff);
      }
    }
    if (binary[i] === "-") i++;
  }
  return out;
}

/** UTF-32 by its byte order mark, else by where the zero bytes are (ASCII text has three per character). */
function decodeUtf32(binary: string, name: string): string {
  let start = 0;
  let bigEndian = name.endsWith("be") || (!name.endsWith("le") && binary.charCodeAt(0) === 0 && binary.charCodeAt(3) !== 0);
  if (binary.startsWith("\x00\x00\xfe\xff")) [bigEndian, start] = [true, 4];
  else if (binary.startsWith("\xff\xfe\x00\x00")) [bigEndian, start] = [false, 4];
  let out = "";
  for (let i = start; i + 3 < binary.length; i += 4) {
    const b = [0, 1, 2, 3].map((k) => binary.charCodeAt(i + k));
    const code = bigEndian ? ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0 : ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
    out += code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : "\ufffd";
  }
  return out;
}
