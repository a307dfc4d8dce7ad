/**
 * TXT lookups over DNS-over-HTTPS, JSON format (the schema Cloudflare's 1.1.1.1 and Google share:
 * GET ?name=&type=TXT with Accept: application/dns-json; answers in `Answer[].data`). Workers have
 * no resolver API, and DoH needs no socket. The resolver URL is configurable so tests can fake
 * it at the HTTP boundary.
 */

const TXT = 16;
const TIMEOUT_MS = 5000;

export class DnsLookupError extends Error {}

/** The TXT strings at `name`; an empty list when the name has none (NXDOMAIN included). */
export async function lookupTxt(resolver: string, name: string): Promise<string[]> {
  const url = `${resolver}?name=${encodeURIComponent(name)}&type=TXT`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new DnsLookupError("The DNS resolver could not be reached");
  }
  if (!res.ok) throw new DnsLookupError(`The DNS resolver answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => null)) as { Status?: unknown; Answer?: unknown } | null;
  if (!body || typeof body.Status !== "number") throw new DnsLookupError("The DNS resolver's answer was not DNS JSON");
  // RCODE 3 (NXDOMAIN, RFC 1035 §4.1.1): the record simply is not there yet.
  if (body.Status === 3) return [];
  if (body.Status !== 0) throw new DnsLookupError(`The DNS lookup failed (RCODE ${body.Status})`);
  // The answer is the resolver's, not ours to trust: a wrong shape is its failure, never a crash.
  const answers = body.Answer ?? [];
  if (!Array.isArray(answers) || !answers.every((a) => typeof a === "object" && a !== null && typeof a.data === "string")) throw new DnsLookupError("The DNS resolver's answer was not DNS JSON");
  return (answers as { type: unknown; data: string }[]).filter((a) => a.type === TXT).map((a) => joinCharacterStrings(a.data));
}

/**
 * A TXT record's data arrives as one or more quoted <character-string>s (RFC 1035 §3.3.14),
 * e.g. `"abc" "def"`; the value is their concatenation (RFC 7208 §3.3 reads it the same way).
 */
function joinCharacterStrings(data: string): string {
  const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, "$1"));
  return parts.length ? parts.join("") : data;
}
