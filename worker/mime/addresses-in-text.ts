/**
 * Finds e-mail addresses in decoded text however they are spelled — literal, HTML entities
 * (`&#64;`, `&#x40;`, `&commat;`), percent-encoding in `mailto:` URLs, any letter case — and
 * replaces the ones a resolver knows. Scanning starts at each "@" form and looks a bounded
 * distance either side, so run time stays linear in the text length.
 */

/** Returns the replacement for a lowercased, decoded address, or null to leave it. */
export type AddressResolver = (address: string) => string | null;

const AT_FORMS = /@|&#0*64;|&#x0*40;|&commat;|%40/gi;
const UNIT = "(?:&#x[0-9a-f]{1,6};|&#[0-9]{1,7};|&[a-z]{2,8};|%[0-9a-f]{2}|[A-Za-z0-9!#$'*+/=?^_`{|}~.\\-])";
const LOCAL_TAIL = new RegExp(`${UNIT}+$`, "i");
const DOMAIN_HEAD = new RegExp(`^${UNIT}+`, "i");
const UNITS = /&#x[0-9a-f]{1,6};|&#[0-9]{1,7};|&[a-z]{2,8};|%[0-9a-f]{2}|[\s\S]/gi;
const NAMED: Record<string, string> = { "&period;": ".", "&commat;": "@", "&hyphen;": "-", "&dash;": "-", "&lowbar;": "_", "&plus;": "+", "&amp;": "&" };
const LOCAL_CHAR = /^[A-Za-z0-9!#$'*+/=?^_`{|}~.\-]$/;
const DOMAIN_CHAR = /^[A-Za-z0-9.\-]$/;
const WINDOW = 320;

function decodeUnit(unit: string): string {
  if (unit.length === 1) return unit;
  if (unit[0] === "%") return String.fromCharCode(parseInt(unit.slice(1), 16));
  if (unit.startsWith("&#x") || unit.startsWith("&#X")) return safeChar(parseInt(unit.slice(3, -1), 16));
  if (unit.startsWith("&#")) return safeChar(parseInt(unit.slice(2, -1), 10));
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

/**
 * Replaces every address the resolver knows. Returns the input string itself when nothing
 * changed, so callers can test identity.
 */
export function replaceAddresses(text: string, resolve: AddressResolver): string {
  if (!/@|&#0*64;|&#x0*40;|&commat;|%40/i.test(text)) return text;
  let out = "";
  let copied = 0;
  for (const at of text.matchAll(AT_FORMS)) {
    const atStart = at.index!;
    const atEnd = atStart + at[0].length;
    if (atStart < copied) continue;
    const before = text.slice(Math.max(copied, atStart - WINDOW), atStart);
    const after = text.slice(atEnd, atEnd + WINDOW);
    const left = LOCAL_TAIL.exec(before);
    const right = DOMAIN_HEAD.exec(after);
    if (!left || !right) continue;
    const leftUnits = left[0].match(UNITS)!;
    const rightUnits = right[0].match(UNITS)!;
    // Keep only the units whose decoded character can be part of an address.
    let li = leftUnits.length;
    while (li > 0 && LOCAL_CHAR.test(decodeUnit(leftUnits[li - 1]))) li--;
    let ri = 0;
    while (ri < rightUnits.length && DOMAIN_CHAR.test(decodeUnit(rightUnits[ri]))) ri++;
    while (ri > 0 && /[.\-]/.test(decodeUnit(rightUnits[ri - 1]))) ri--; // "…example.com." ends a sentence
    if (li === leftUnits.length || !ri) continue;
    const domainChars = rightUnits.slice(0, ri).map(decodeUnit).join("").toLowerCase();
    // The domain run may go on past the address ("…@example.com.earlier" in a Message-ID):
    // besides the whole run, try each prefix that ends before a "." or "-".
    const domains = [domainChars, ...[...domainChars.matchAll(/[.-]/g)].map((m) => domainChars.slice(0, m.index)).reverse()].filter((d) => d.includes("."));
    // Local parts may legally contain "=", "/", "'"…, so "CN=hanako@…" or "to/hanako@…" holds a
    // shorter address: try the longest candidate first, then each one after a punctuation mark.
    let localUnits: string[] = [];
    let replacement: string | null = null;
    let domainUnitCount = ri;
    for (let start = li; start < leftUnits.length; start++) {
      const previous = start === li ? "" : decodeUnit(leftUnits[start - 1]);
      if (start !== li && /[A-Za-z0-9]/.test(previous)) continue;
      const candidate = leftUnits.slice(start);
      if (decodeUnit(candidate[0]) === ".") continue;
      const local = candidate.map(decodeUnit).join("").toLowerCase();
      for (const [d, domain] of domains.entries()) {
        replacement = resolve(`${local}@${domain}`);
        if (replacement !== null) {
          localUnits = candidate;
          domainUnitCount = d === 0 ? ri : domain.length;
          break;
        }
      }
      if (replacement !== null) break;
    }
    if (replacement === null) continue;
    const start = atStart - localUnits.join("").length;
    const end = atEnd + rightUnits.slice(0, domainUnitCount).join("").length;
    out += text.slice(copied, start) + replacement;
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
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
