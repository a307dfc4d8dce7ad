/**
 * Finds e-mail addresses in decoded text however they are spelled — literal, HTML entities
 * (`&#64;`, `&#x40;`, `&commat;`), percent-encoding in `mailto:` URLs, any letter case — and
 * replaces the ones a resolver knows. Scanning starts at each "@" form and looks a bounded
 * distance either side, so run time stays linear in the text length.
 */

import { applyEdits, type Edit } from "./edits";

/** Returns the replacement for a lowercased, decoded address, or null to leave it. */
export type AddressResolver = (address: string) => string | null;


/** "@" as it may be written: literal, a numeric entity (browsers accept a missing ";"), named, percent-encoded. */
const AT_FORMS = /@|&#0*64;?|&#x0*40;?|&commat;|%40/gi;
const ENTITY = "&#x0*[0-9a-f]{1,6};?|&#0*[0-9]{1,7};?|&[a-z]{2,8};";
const UNITS = new RegExp(`${ENTITY}|%[0-9a-f]{2}|[\\s\\S]`, "gi");
const NAMED: Record<string, string> = { "&period;": ".", "&commat;": "@", "&hyphen;": "-", "&dash;": "-", "&lowbar;": "_", "&plus;": "+", "&amp;": "&" };
const LOCAL_CHAR = /^[A-Za-z0-9!#$'*+/=?^_`{|}~.\-]$/;
const DOMAIN_CHAR = /^[A-Za-z0-9.\-]$/;
/** Characters after which a shorter local part may start ("CN=hanako@…", "to/hanako@…"). */
const LOCAL_BREAK = /^[!#$'*/=?^`{|}~]$/;
/** RFC 5321 §4.5.3.1: local parts ≤ 64 octets, domains ≤ 255; windows allow for entity spellings. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const LEFT_WINDOW = 64 * 12;
const RIGHT_WINDOW = 255 * 4;

function decodeUnit(unit: string): string {
  if (unit.length === 1) return unit;
  if (unit[0] === "%") return String.fromCharCode(parseInt(unit.slice(1), 16));
  const body = unit.replace(/;$/, "");
  if (/^&#x/i.test(body)) return safeChar(parseInt(body.slice(3), 16));
  if (body.startsWith("&#")) return safeChar(parseInt(body.slice(2), 10));
  return NAMED[unit.toLowerCase()] ?? "\u0000";
}

function safeChar(code: number): string {
  return code > 0 && code < 0x110000 ? String.fromCodePoint(code).slice(0, 1) : "\u0000";
}

/** Strips a "+tag" from the local part (RFC 5233 subaddress) for comparisons. */
export function withoutSubaddress(address: string): string {
  const at = address.lastIndexOf("@");
  const local = address.slice(0, at);
  const plus = local.indexOf("+");
  return plus > 0 ? local.slice(0, plus) + address.slice(at) : address;
}

interface Unit {
  start: number;
  end: number;
  ch: string;
}

function units(text: string, from: number, to: number, side: "left" | "right"): Unit[] {
  const out: Unit[] = [];
  // Without entities or escapes one character is one unit: look no further than an address can reach.
  if (!/[&%]/.test(text.slice(from, to))) {
    if (side === "left") from = Math.max(from, to - MAX_LOCAL - 1);
    else to = Math.min(to, from + MAX_DOMAIN + 1);
  }
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(UNITS)) out.push({ start: from + m.index!, end: from + m.index! + m[0].length, ch: decodeUnit(m[0]) });
  return out;
}

/** Every address the resolver knows, as source ranges, scanning outward from each "@" form. */
function findAddresses(text: string, resolve: AddressResolver): Edit[] {
  const found: Edit[] = [];
  let floor = 0;
  for (const at of text.matchAll(AT_FORMS)) {
    const atStart = at.index!;
    const atEnd = atStart + at[0].length;
    if (atStart < floor) continue;
    const left = units(text, Math.max(floor, atStart - LEFT_WINDOW), atStart, "left");
    let li = left.length;
    while (li > 0 && left.length - li < MAX_LOCAL && LOCAL_CHAR.test(left[li - 1].ch)) li--;
    const local = left.slice(li);
    const right = units(text, atEnd, atEnd + RIGHT_WINDOW, "right");
    let ri = 0;
    while (ri < right.length && ri < MAX_DOMAIN && DOMAIN_CHAR.test(right[ri].ch)) ri++;
    while (ri > 0 && /[.\-]/.test(right[ri - 1].ch)) ri--; // "…example.com." ends a sentence
    if (!local.length || !ri) continue;
    const domainChars = right.slice(0, ri).map((u) => u.ch).join("").toLowerCase();
    // The domain run may go on past the address ("…@example.com.earlier" in a Message-ID).
    const domainEnds = [ri, ...[...domainChars.matchAll(/[.-]/g)].map((m) => m.index!).reverse()].filter((n) => domainChars.slice(0, n).includes("."));
    const localChars = local.map((u) => u.ch.toLowerCase());
    let hit: Edit | null = null;
    for (let s = 0; s < localChars.length && !hit; s++) {
      if (s > 0 && !LOCAL_BREAK.test(localChars[s - 1])) continue;
      if (localChars[s] === ".") continue;
      const localPart = localChars.slice(s).join("");
      for (const n of domainEnds) {
        const replacement = resolve(`${localPart}@${domainChars.slice(0, n)}`);
        if (replacement !== null) {
          hit = { start: local[s].start, end: right[n - 1].end, text: replacement };
          break;
        }
      }
    }
    if (hit) {
      found.push(hit);
      floor = hit.end;
    }
  }
  return found;
}

/**
 * Replaces every address the resolver knows. Returns the input string itself when nothing
 * changed, so callers can test identity. With `html`, an address split by tags or comments
 * ("hanako<span>@</span>example.com", which a browser shows whole) is found too.
 */
export function replaceAddresses(text: string, resolve: AddressResolver, options: { html?: boolean } = {}): string {
  if (!/@|&#0*64|&#x0*40|&commat;|%40/i.test(text)) return text;
  const replaced = applyEdits(text, findAddresses(text, resolve));
  return options.html ? replaceAcrossTags(replaced, resolve) : replaced;
}

const BLOCK_TAG = /^<\/?(p|div|br|hr|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|blockquote|pre|section|article|header|footer|body|html|head|title)\b/i;

/** Scans the text a browser would show (tags and comments removed) and maps hits back. */
function replaceAcrossTags(html: string, resolve: AddressResolver): string {
  const TAG = /<!--[\s\S]*?-->|<[a-zA-Z/!][^<>]*>/g;
  // Visible text as segments of the source: [visible start, source start] pairs, in order.
  const segments: number[] = [];
  let visible = "";
  let cursor = 0;
  for (const m of html.matchAll(TAG)) {
    segments.push(visible.length, cursor);
    visible += html.slice(cursor, m.index);
    // Block elements break the text; inline ones and comments do not.
    if (BLOCK_TAG.test(m[0])) {
      segments.push(visible.length, m.index!);
      visible += " ";
    }
    cursor = m.index! + m[0].length;
  }
  if (!segments.length) return html;
  segments.push(visible.length, cursor);
  visible += html.slice(cursor);
  const toSource = (index: number): number => {
    let lo = 0;
    let hi = segments.length / 2 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid * 2] <= index) lo = mid;
      else hi = mid - 1;
    }
    return segments[lo * 2 + 1] + (index - segments[lo * 2]);
  };
  const found = findAddresses(visible, resolve).map((f) => ({ start: toSource(f.start), end: toSource(f.end - 1) + 1, text: f.text }));
  return applyEdits(html, found);
}

/**
 * RFC 5545 §3.1: unfold content lines, replace, and fold changed lines again at 75 octets
 * (the text here is a binary string, so one char is one octet) without splitting a UTF-8
 * sequence.
 */
export function replaceInCalendar(binary: string, resolve: AddressResolver): string {
  const unfolded = binary.replace(/\r?\n[ \t]/g, "");
  const lines = unfolded.split(/\r?\n/);
  let changed = false;
  const out = lines.map((line) => {
    const next = replaceAddresses(line, resolve);
    if (next !== line) changed = true;
    return foldCalendarLine(next);
  });
  return changed ? out.join("\r\n") : binary;
}

function foldCalendarLine(line: string): string {
  const pieces: string[] = [];
  let rest = line;
  let limit = 75;
  while (rest.length > limit) {
    let cut = limit;
    while (cut > 1 && (rest.charCodeAt(cut) & 0xc0) === 0x80) cut--;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
    limit = 74; // continuation lines start with one space
  }
  pieces.push(rest);
  return pieces.join("\r\n ");
}
