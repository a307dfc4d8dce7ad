/**
 * A strict RFC 5322 §3.4 address-list parser. It tokenises first — quoted strings, comments,
 * angle addresses, groups — and only then decodes RFC 2047 words inside display names, so a
 * comma hidden in an encoded word (`=?UTF-8?Q?Tanaka=2C_Jir=C5=8D?=`, mailparser#375) can never
 * split a mailbox.
 */
import { decodedReading } from "./addresses-in-text";
import { decodeEncodedWords, encodeWords } from "./encoded-words";
import { unfold } from "./headers";

export interface Mailbox {
  /** Decoded display name, "" when none. */
  name: string;
  /** addr-spec as written (local part case kept, domain lowercased). */
  address: string;
  /** Name of the group this mailbox was listed in, if any. */
  group?: string;
}

type Token =
  | { kind: "atom"; text: string }
  | { kind: "quoted"; text: string }
  | { kind: "comment"; text: string }
  | { kind: "angle"; text: string }
  | { kind: "special"; text: string }
  | { kind: "space" };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch === " " || ch === "\t" || ch === "\r" || ch === "\n") {
      while (i < input.length && /\s/.test(input[i])) i++;
      tokens.push({ kind: "space" });
    } else if (ch === '"') {
      let text = "";
      i++;
      while (i < input.length && input[i] !== '"') {
        if (input[i] === "\\" && i + 1 < input.length) i++;
        text += input[i++];
      }
      i++;
      tokens.push({ kind: "quoted", text });
    } else if (ch === "(") {
      let depth = 1;
      let text = "";
      i++;
      while (i < input.length && depth > 0) {
        if (input[i] === "\\" && i + 1 < input.length) text += input[++i];
        else if (input[i] === "(") depth++;
        else if (input[i] === ")") depth--;
        if (depth > 0) text += input[i];
        i++;
      }
      tokens.push({ kind: "comment", text });
    } else if (ch === "<") {
      const end = input.indexOf(">", i);
      const stop = end < 0 ? input.length : end;
      tokens.push({ kind: "angle", text: input.slice(i + 1, stop) });
      i = stop + 1;
    } else if (",:;@.>".includes(ch)) {
      tokens.push({ kind: "special", text: ch });
      i++;
    } else {
      let text = "";
      while (i < input.length && !/[\s"(),:;<>@.]/.test(input[i])) text += input[i++];
      if (!text) text = input[i++];
      tokens.push({ kind: "atom", text });
    }
  }
  return tokens;
}

/** Normalises an addr-spec: no white space or comments, domain lowercased. */
export function cleanAddrSpec(spec: string): string | null {
  // Obsolete route syntax "@a,@b:user@host" (RFC 5322 §4.4) keeps only the final address.
  const withoutRoute = spec.includes(":") ? spec.slice(spec.lastIndexOf(":") + 1) : spec;
  const trimmed = withoutRoute.replace(/\([^)]*\)/g, "").replace(/\s+/g, "");
  const at = trimmed.lastIndexOf("@");
  if (at <= 0 || at === trimmed.length - 1) return null;
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).toLowerCase();
  if (!/^[^\s@<>()\[\],;:\\]+$/.test(local.replace(/^"(.*)"$/, "x"))) return null;
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domain) && !/^\[[^\]]+\]$/.test(domain)) return null;
  return `${local}@${domain}`;
}

function phrase(tokens: Token[]): string {
  let out = "";
  for (const t of tokens) {
    if (t.kind === "space") out += " ";
    else if (t.kind === "atom" || t.kind === "quoted" || (t.kind === "special" && t.text === ".")) out += t.text;
  }
  return decodeEncodedWords(out.replace(/\s+/g, " ").trim());
}

function mailboxFrom(tokens: Token[], group?: string): Mailbox | null {
  const angle = tokens.find((t) => t.kind === "angle");
  if (angle) {
    const address = cleanAddrSpec(angle.text);
    if (!address) return null;
    const before = tokens.slice(0, tokens.indexOf(angle));
    let name = phrase(before);
    if (!name) name = decodeEncodedWords(tokens.filter((t) => t.kind === "comment").map((t) => t.text).join(" ").trim());
    return { name, address, ...(group !== undefined ? { group } : {}) };
  }
  let spec = "";
  for (const t of tokens) {
    if (t.kind === "atom" || t.kind === "special") spec += t.text;
    else if (t.kind === "quoted") spec += `"${t.text}"`;
  }
  const address = cleanAddrSpec(spec);
  if (!address) return null;
  const comment = tokens.filter((t) => t.kind === "comment").map((t) => t.text).join(" ").trim();
  return { name: decodeEncodedWords(comment), address, ...(group !== undefined ? { group } : {}) };
}

/**
 * Parses an address-list header value. Groups are flattened, each member carrying its group
 * name; an empty group ("undisclosed-recipients:;") yields no mailbox. Entries that are not
 * valid mailboxes are dropped.
 */
export function parseAddressList(value: string | undefined): Mailbox[] {
  if (!value) return [];
  const tokens = tokenize(unfold(value));
  const out: Mailbox[] = [];
  let current: Token[] = [];
  let group: string | undefined;
  const finish = () => {
    if (current.some((t) => t.kind !== "space" && t.kind !== "comment")) {
      const mailbox = mailboxFrom(current, group);
      if (mailbox) out.push(mailbox);
    }
    current = [];
  };
  for (const token of tokens) {
    if (token.kind === "special" && token.text === ",") finish();
    else if (token.kind === "special" && token.text === ":" && group === undefined && !current.some((t) => t.kind === "angle" || (t.kind === "special" && t.text === "@"))) {
      group = phrase(current);
      current = [];
    } else if (token.kind === "special" && token.text === ";" && group !== undefined) {
      finish();
      group = undefined;
    } else current.push(token);
  }
  finish();
  return out;
}

const EMAIL_LIKE = /[^\s<>()"',;:]+(?:@|＠|&#0*64;?|&#x0*40;?|&commat;|%40)[^\s<>()"',;:]+/gi;

/**
 * A display name safe to emit: control characters and anything that looks like an address
 * removed (a name like "boss@bank.example" is a spoofing and leak vector).
 */
export function scrubDisplayName(name: string): string {
  const plain = name.replace(/[\x00-\x1f\x7f]+/g, " ");
  // A name that spells an address only once entities and escapes are read ("hanako&#37;40…")
  // is scrubbed as it reads; any other name keeps its spelling ("AT&amp;T 100%").
  const reading = decodedReading(plain);
  const hidden = reading !== plain && (reading.match(EMAIL_LIKE)?.length ?? 0) > (plain.match(EMAIL_LIKE)?.length ?? 0);
  return (hidden ? reading.replace(/[\x00-\x1f\x7f]+/g, " ") : plain)
    .replace(EMAIL_LIKE, "")
    .replace(/[<>]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);
}

/** A display name or group name as an RFC 5322 phrase: scrubbed, then quoted or RFC 2047-encoded. */
export function formatPhrase(name: string): string {
  const clean = scrubDisplayName(name);
  if (!clean) return "";
  if (!/^[\x20-\x7e]*$/.test(clean)) return encodeWords(clean);
  // RFC 5322 §3.2.4: a phrase with specials must be a quoted-string.
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/.test(clean) && !clean.includes("=?")) return clean;
  return `"${clean.replace(/(["\\])/g, "\\$1")}"`;
}

/** Formats a mailbox for a header, its name made safe by formatPhrase. */
export function formatMailbox(name: string, address: string): string {
  const phrase = formatPhrase(name);
  return phrase ? `${phrase} <${address}>` : `<${address}>`;
}

/** Lowercased address for comparisons (RFC 5321 local parts are case-sensitive in theory, never in practice). */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}
