/**
 * Finds e-mail addresses in decoded text however they are spelled — literal, HTML entities
 * (`&#64;`, `&#x40;`, `&commat;`), percent-encoding in `mailto:` URLs, any letter case — and
 * replaces the ones a resolver knows. Scanning starts at each "@" form and looks a bounded
 * distance either side, so run time stays linear in the text length.
 */

import { utf8ToBinary } from "./bytes";
import { applyEdits, type Edit } from "./edits";

/** Returns the replacement for a lowercased, decoded address, or null to leave it. */
export type AddressResolver = (address: string) => string | null;


/** "@" as it may be written: literal, a numeric entity (browsers accept a missing ";"), named, percent-encoded. */
const AT_FORMS = /@|&#0*64;?|&#x0*40;?|&commat;|%40/gi;
const ENTITY = "&#x0*[0-9a-f]{1,6};?|&#0*[0-9]{1,7};?|&[a-z]{2,8};";
const UNITS = new RegExp(`${ENTITY}|%[0-9a-f]{2}|[\\s\\S]`, "gi");
const NAMED: Record<string, string> = { "&period;": ".", "&commat;": "@", "&percnt;": "%", "&hyphen;": "-", "&dash;": "-", "&lowbar;": "_", "&plus;": "+", "&amp;": "&" };
const LOCAL_CHAR = /^[A-Za-z0-9!#$'*+/=?^_`{|}~.\-]$/;
/**
 * RFC 6531 local parts are UTF-8 ("はなこ@example.com"): a decoded letter, mark or digit, or —
 * in a binary string, where the text is still bytes — any high byte (decoded when looked up).
 */
const LOCAL_CHAR_INTL = /^[\x80-\xff\p{L}\p{M}\p{N}]$/u;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isLocalChar(ch: string): boolean {
  return LOCAL_CHAR.test(ch) || (ch > "\x7f" && LOCAL_CHAR_INTL.test(ch));
}

/**
 * The spellings of a local part to look up: as read, its bytes read as UTF-8, and its UTF-8
 * bytes (an address parsed from a raw header is still bytes: the resolver may know that form).
 */
function localSpellings(chars: string[]): string[] {
  const text = chars.join("");
  const out = [text.toLowerCase()];
  if (!/[^\x00-\x7f]/.test(text)) return out;
  if (!/[^\x00-\xff]/.test(text)) {
    try {
      out.push(UTF8.decode(Uint8Array.from(text, (c) => c.charCodeAt(0))).toLowerCase());
    } catch {
      // not UTF-8: the bytes as read are the only spelling
    }
  }
  out.push(utf8ToBinary(text).toLowerCase());
  return [...new Set(out)];
}
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

/**
 * A text as a reader decodes it one step further: HTML entities, then percent escapes
 * ("&#37;40" → "%40" → "@"). For text that is shown, not searched, such as a display name.
 */
export function decodedReading(text: string): string {
  const entities = text.replace(new RegExp(ENTITY, "gi"), (unit) => {
    const ch = decodeUnit(unit);
    return ch === "\u0000" ? unit : ch;
  });
  return entities.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
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

/** The units left of an "@" (`escapes`: the text holds "&" or "%" somewhere). */
function leftUnits(text: string, from: number, to: number, escapes: boolean): Unit[] {
  const out: Unit[] = [];
  if (!escapes || !/[&%]/.test(text.slice(from, to))) {
    // Without entities or escapes one character is one unit: read back only as far as a local part goes.
    let p = to;
    while (p > from && to - p < MAX_LOCAL && isLocalChar(text[p - 1])) p--;
    for (let i = p; i < to; i++) out.push({ start: i, end: i + 1, ch: text[i] });
    return out;
  }
  const slice = text.slice(from, to);
  for (const m of slice.matchAll(UNITS)) out.push({ start: from + m.index!, end: from + m.index! + m[0].length, ch: decodeUnit(m[0]) });
  return out;
}

const UNIT_AT = new RegExp(UNITS.source, "iy");

/** The domain units right of an "@", read one by one up to the first that cannot be in a domain. */
function domainUnits(text: string, from: number): Unit[] {
  const out: Unit[] = [];
  const limit = from + RIGHT_WINDOW;
  for (let p = from; p < text.length && p < limit && out.length < MAX_DOMAIN; ) {
    UNIT_AT.lastIndex = p;
    const m = UNIT_AT.exec(text)!;
    const unit = { start: p, end: p + m[0].length, ch: decodeUnit(m[0]) };
    if (!DOMAIN_CHAR.test(unit.ch)) break;
    out.push(unit);
    p = unit.end;
  }
  return out;
}

/** Characters that end no unit of a local part: nothing to look up left of an "@" after them. */
const NOT_LOCAL_END = /[\s"(),:<>@[\\\]]/;

/** Every address the resolver knows, as source ranges, scanning outward from each "@" form. */
function findAddresses(text: string, resolve: AddressResolver): Edit[] {
  const found: Edit[] = [];
  let floor = 0;
  const escapes = text.includes("&") || text.includes("%");
  for (const at of text.matchAll(AT_FORMS)) {
    const atStart = at.index!;
    const atEnd = atStart + at[0].length;
    if (atStart < floor) continue;
    if (atStart === 0 || NOT_LOCAL_END.test(text[atStart - 1])) continue;
    const left = leftUnits(text, Math.max(floor, atStart - LEFT_WINDOW), atStart, escapes);
    let li = left.length;
    while (li > 0 && left.length - li < MAX_LOCAL && isLocalChar(left[li - 1].ch)) li--;
    const local = left.slice(li);
    const right = domainUnits(text, atEnd);
    let ri = right.length;
    while (ri > 0 && /[.\-]/.test(right[ri - 1].ch)) ri--; // "…example.com." ends a sentence
    if (!local.length || !ri) continue;
    const domainChars = right.slice(0, ri).map((u) => u.ch).join("").toLowerCase();
    // The domain run may go on past the address ("…@example.com.earlier" in a Message-ID).
    const domainEnds = [ri, ...[...domainChars.matchAll(/[.-]/g)].map((m) => m.index!).reverse()].filter((n) => domainChars.slice(0, n).includes("."));
    const localChars = local.map((u) => u.ch);
    let hit: Edit | null = null;
    for (let s = 0; s < localChars.length && !hit; s++) {
      // A shorter local part starts after a break character, or where text that is not ASCII
      // runs into it ("連絡先はhanako@…", and inside a UTF-8 local part).
      if (s > 0 && !LOCAL_BREAK.test(localChars[s - 1]) && localChars[s - 1] <= "\x7f") continue;
      if (localChars[s] === ".") continue;
      for (const localPart of localSpellings(localChars.slice(s))) {
        for (const n of domainEnds) {
          const replacement = resolve(`${localPart}@${domainChars.slice(0, n)}`);
          if (replacement !== null) {
            hit = { start: local[s].start, end: right[n - 1].end, text: replacement };
            break;
          }
        }
        if (hit) break;
      }
    }
    if (hit) {
      found.push(hit);
      floor = hit.end;
    }
  }
  return found;
}

const ENTITY_AT = new RegExp(ENTITY, "iy");

/**
 * A reading of a text that differs from it in places (tags dropped, entities decoded, folds
 * joined), built from runs copied whole plus what changed, with the source range each of its
 * characters came from — so a hit in the reading replaces its whole source spelling.
 */
class Reading {
  private readonly parts: string[] = [];
  /** Per stretch: where it starts in the reading, its source range, and whether it is a copy. */
  private readonly stretches: { at: number; src: number; srcEnd: number; copy: boolean }[] = [];
  private length = 0;

  constructor(private readonly source: string) {}

  /** Copies source[from, to) as it is. */
  keep(from: number, to: number): void {
    if (to <= from) return;
    this.put(this.source.slice(from, to), from, to, true);
  }

  /** Puts `text` in the place of source[src, srcEnd) (an entity decoded, a tag's line break). */
  put(text: string, src: number, srcEnd: number, copy = false): void {
    this.parts.push(text);
    this.stretches.push({ at: this.length, src, srcEnd, copy });
    this.length += text.length;
  }

  text(): string {
    return this.parts.join("");
  }

  /** Source ranges of hits found in the reading. */
  edits(found: Edit[]): Edit[] {
    return found.map((e) => ({ start: this.sourceOf(e.start)[0], end: this.sourceOf(e.end - 1)[1], text: e.text }));
  }

  /** The source range the reading's character at `at` came from. */
  private sourceOf(at: number): [number, number] {
    const { stretches } = this;
    let lo = 0;
    let hi = stretches.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (stretches[mid].at <= at) lo = mid;
      else hi = mid - 1;
    }
    const s = stretches[lo];
    return s.copy ? [s.src + at - s.at, s.src + at - s.at + 1] : [s.src, s.srcEnd];
  }
}

/**
 * Whether decodedView has anything to do: an "&", a folded line or a flowed soft break. By
 * native search, not a regular expression: this runs over every text part whole.
 */
function hasLayers(text: string): boolean {
  if (text.includes("&")) return true;
  for (let n = text.indexOf("\n"); n >= 0; n = text.indexOf("\n", n + 1)) {
    if (text[n + 1] === " " || text[n + 1] === "\t" || text[n - 1] === " " || (text[n - 1] === "\r" && text[n - 2] === " ")) return true;
  }
  return false;
}

/**
 * The text as a reader decodes it one layer further — folded lines joined (RFC 5545 §3.1,
 * RFC 6350 §3.2: CRLF + one space or tab; RFC 3676 flowed lines: space + CRLF), HTML entities
 * decoded. Entities spell "%" too: `&#37;40` is "%40" to a browser and "@" to the mail client
 * the mailto: link opens, so percent-encoding read after entities is found here. Null when the
 * reading is the text itself.
 */
function decodedView(text: string): Reading | null {
  if (!hasLayers(text)) return null;
  const reading = new Reading(text);
  let changed = false;
  const special = / \r?\n|\r?\n[ \t]|&/g;
  let i = 0;
  for (let m = special.exec(text); m; m = special.exec(text)) {
    reading.keep(i, m.index);
    i = m.index + m[0].length;
    if (m[0][0] === " ") {
      // RFC 3676 format=flowed; delsp=yes: "SP CRLF" joins the next line (after its quote
      // markers and space-stuffing) with nothing between, as Thunderbird and Apple Mail show it.
      while (text[i] === ">") i++;
      if (text[i] === " ") i++;
      changed = true;
    } else if (m[0] !== "&") {
      // A folded line: only a hit on both sides of the fold takes it in (its range spans it).
      changed = true;
    } else {
      ENTITY_AT.lastIndex = m.index;
      const entity = ENTITY_AT.exec(text);
      const decoded = entity ? decodeUnit(entity[0]) : "\u0000";
      if (entity && decoded !== "\u0000") {
        i = m.index + entity[0].length;
        reading.put(decoded, m.index, i);
        changed = true;
      } else reading.keep(m.index, i);
    }
    special.lastIndex = i;
  }
  reading.keep(i, text.length);
  return changed ? reading : null;
}

/**
 * The addresses of the text and of its decoded reading (decodedView), as disjoint source
 * ranges: a hit only the reading shows replaces its whole source spelling.
 */
function findAddressesLayered(text: string, resolve: AddressResolver): Edit[] {
  const direct = findAddresses(text, resolve);
  const reading = decodedView(text);
  if (!reading) return direct;
  const more = reading.edits(findAddresses(reading.text(), resolve));
  if (!more.length) return direct;
  const all = [...direct, ...more].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Edit[] = [];
  for (const e of all) if (!out.length || e.start >= out[out.length - 1].end) out.push(e);
  return out;
}

/**
 * Replaces every address the resolver knows. Returns the input string itself when nothing
 * changed, so callers can test identity. With `html`, an address split by tags or comments
 * ("hanako<span>@</span>example.com", which a browser shows whole) is found too.
 */
export function replaceAddresses(text: string, resolve: AddressResolver, options: { html?: boolean } = {}): string {
  return replaceAddressesTracked(text, resolve, options).text;
}

/** The result of a replacement and where it changed the input. */
export interface TrackedReplacement {
  /** The new text (the input itself when nothing changed). */
  text: string;
  /** Changed ranges of the input, sorted and disjoint. */
  changed: [number, number][];
  /** Where an input position outside every changed range is in the new text. */
  toOutput(position: number): number;
}

/**
 * An "@" in any spelling the scanners read ("@", "%40", "&#…;", "&commat;", "&percnt;40"), or a
 * "%" whose "40" a folded line may split from it (decodedView joins the fold).
 */
function mayHoldAddress(text: string): boolean {
  return text.includes("@") || text.includes("%40") || (text.includes("&") && /&#|&commat;|&percnt;/i.test(text)) || (text.includes("%") && hasLayers(text));
}

/**
 * `replaceAddresses` that also says where it changed the input, so a caller holding an
 * encoded copy of the text can re-encode only those regions (quoted-printable lines).
 */
export function replaceAddressesTracked(text: string, resolve: AddressResolver, options: { html?: boolean } = {}): TrackedReplacement {
  if (!mayHoldAddress(text)) return { text, changed: [], toOutput: (x) => x };
  const first = findAddressesLayered(text, resolve);
  const replaced = applyEdits(text, first);
  // The tag-blind pass reads the text as already replaced, exactly as a browser would show it.
  const second = options.html ? acrossTagEdits(replaced, resolve) : [];
  const out = applyEdits(replaced, second);
  if (out === text) return { text, changed: [], toOutput: (x) => x };
  const a = shifted(first);
  const b = shifted(second);
  // Ranges of the second pass, taken back to the input: a position inside a first-pass
  // replacement widens to that replacement's whole input range.
  const back = (y: number, up: boolean): number => {
    for (const e of a) if (up ? e.newStart < y && y <= e.newEnd : e.newStart <= y && y < e.newEnd) return up ? e.end : e.start;
    return y - delta(a, (e) => e.newEnd <= y);
  };
  const ranges: [number, number][] = [...a.map((e): [number, number] => [e.start, e.end]), ...b.map((e): [number, number] => [back(e.start, false), back(e.end, true)])].sort((x, y) => x[0] - y[0]);
  const changed: [number, number][] = [];
  for (const r of ranges) {
    const last = changed[changed.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else changed.push([r[0], r[1]]);
  }
  const toOutput = (x: number): number => {
    const y = x + delta(a, (e) => e.end <= x);
    return y + delta(b, (e) => e.end <= y);
  };
  return { text: out, changed, toOutput };
}

interface Shifted extends Edit {
  /** Where the replacement lies in the edited text. */
  newStart: number;
  newEnd: number;
}

/** Sorted, disjoint edits with the ranges their replacements take in the result. */
function shifted(edits: Edit[]): Shifted[] {
  let offset = 0;
  return [...edits]
    .sort((x, y) => x.start - y.start)
    .map((e) => {
      const newStart = e.start + offset;
      offset += e.text.length - (e.end - e.start);
      return { ...e, newStart, newEnd: newStart + e.text.length };
    });
}

/** The length change of the edits that match. */
function delta(edits: Shifted[], where: (e: Shifted) => boolean): number {
  let sum = 0;
  for (const e of edits) if (where(e)) sum += e.text.length - (e.end - e.start);
  return sum;
}

const BLOCK_TAG = /<\/?(p|div|br|hr|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|blockquote|pre|section|article|header|footer|body|html|head|title)\b/iy;

/** [a-zA-Z/!]: what may follow "<" in a tag. */
function startsTag(code: number): boolean {
  return ((code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a) || code === 0x2f || code === 0x21;
}

/** Scans the text a browser would show (tags and comments removed) and maps hits back. */
function acrossTagEdits(html: string, resolve: AddressResolver): Edit[] {
  // Tags as /<!--[\s\S]*?-->|<[a-zA-Z/!][^<>]*>/g would find them, by indexOf: the regular
  // expression allocated a match per tag and was a quarter of the time on a 100 KB newsletter.
  // Each search result is remembered, so hostile input ("<a<a<a…", "<!--" unclosed) stays linear.
  const visible = new Reading(html);
  let tagged = false;
  let cursor = 0;
  let nextGt = -2;
  let nextLt = -2;
  let commentEnd = -2;
  for (let p = html.indexOf("<"); p >= 0; p = html.indexOf("<", p + 1)) {
    let end = -1;
    if (html.startsWith("<!--", p)) {
      if (commentEnd !== -1 && commentEnd < p + 4) commentEnd = html.indexOf("-->", p + 4);
      if (commentEnd >= 0) end = commentEnd + 3;
    }
    if (end < 0 && startsTag(html.charCodeAt(p + 1))) {
      if (nextGt !== -1 && nextGt <= p) nextGt = html.indexOf(">", p + 1);
      if (nextLt !== -1 && nextLt <= p) nextLt = html.indexOf("<", p + 1);
      if (nextGt >= 0 && (nextLt < 0 || nextGt < nextLt)) end = nextGt + 1;
    }
    if (end < 0) continue;
    tagged = true;
    visible.keep(cursor, p);
    // Block elements break the text; inline ones and comments do not.
    BLOCK_TAG.lastIndex = p;
    if (BLOCK_TAG.test(html)) visible.put(" ", p, p);
    cursor = end;
    p = end - 1;
  }
  if (!tagged) return [];
  visible.keep(cursor, html.length);
  return visible.edits(findAddresses(visible.text(), resolve));
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
