/**
 * Content-Type / Content-Disposition values (RFC 2045 §5.1) with RFC 2231 parameter
 * continuations and charsets. Decoded parameter values never contain CR or LF (case-14: an
 * encoded CR LF in a filename must not become a line break anywhere).
 */
import { decodeCharset } from "./charset";
import { decodeEncodedWords } from "./encoded-words";

export interface StructuredValue {
  /** Lowercased first token, e.g. "multipart/mixed" or "attachment". */
  value: string;
  /** Lowercased parameter names → decoded values. */
  params: Record<string, string>;
  /**
   * A parameter was given twice in the same form ("charset=a; charset=b"): readers disagree on
   * which one counts, so whoever writes the value on must write the one it read, alone.
   */
  duplicate?: boolean;
}

/** Splits on ";" outside quoted strings. */
function splitParams(text: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\" && quoted) {
      current += ch + (text[i + 1] ?? "");
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (ch === ";" && !quoted) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** A parameter value: a quoted-string (anything after its closing quote, e.g. a comment, dropped) or a token. */
function unquote(text: string): string {
  const t = text.trim();
  if (!t.startsWith('"')) return t.replace(/\s*\([^)]*\)\s*$/, "").trim();
  let out = "";
  for (let i = 1; i < t.length; i++) {
    if (t[i] === "\\" && i + 1 < t.length) out += t[++i];
    else if (t[i] === '"') break;
    else out += t[i];
  }
  return out;
}

export function parseStructured(header: string | undefined): StructuredValue {
  const [first, ...rest] = splitParams(header ?? "");
  const continued = new Map<string, { index: number; encoded: boolean; text: string }[]>();
  const params: Record<string, string> = {};
  const names = new Set<string>();
  let duplicate = false;
  for (const piece of rest) {
    const eq = piece.indexOf("=");
    if (eq < 0) continue;
    const rawName = piece.slice(0, eq).trim().toLowerCase();
    if (names.has(rawName)) duplicate = true;
    names.add(rawName);
    const text = unquote(piece.slice(eq + 1));
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(rawName);
    if (!m) continue;
    const [, name, index, star] = m;
    if (index === undefined && !star) {
      params[name] = decodeEncodedWords(text);
      continue;
    }
    const list = continued.get(name) ?? [];
    list.push({ index: Number(index ?? 0), encoded: Boolean(star), text });
    continued.set(name, list);
  }
  // RFC 2231 §3–4: sections are ordered by index; the charset is named in section 0 only.
  for (const [name, sections] of continued) {
    sections.sort((a, b) => a.index - b.index);
    let charset = "us-ascii";
    let bytes = "";
    for (const section of sections) {
      let text = section.text;
      if (section.encoded) {
        if (section.index === 0) {
          const parts = text.split("'");
          if (parts.length >= 3) {
            charset = parts[0] || "us-ascii";
            text = parts.slice(2).join("'");
          }
        }
        text = text.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      }
      bytes += text;
    }
    params[name] = decodeCharset(bytes, charset);
  }
  for (const key of Object.keys(params)) params[key] = params[key].replace(/[\r\n]+/g, " ");
  return duplicate ? { value: first.trim().toLowerCase(), params, duplicate } : { value: first.trim().toLowerCase(), params };
}
