/**
 * Is a host name one the relay may connect to on an operator's behalf (SSRF)? Webhook URLs
 * (webhook-url.ts) and an address's own SMTP server (routes/sender.ts) both make the relay open
 * a connection to a host a tenant chose, so both must refuse the relay's own host and private
 * networks: no local names, no IP literal in a private, loopback, link-local, shared,
 * documentation or multicast range. Names are judged by their shape, not resolved: on
 * Cloudflare a Worker's fetch and connect() leave through Cloudflare's edge and cannot reach a
 * private network by DNS.
 */

const LOCAL_NAMES = /(^|\.)(localhost|local|localdomain|internal|intranet|lan|home|corp|home\.arpa|invalid|test|example)$/;

function ipv4Parts(host: string): number[] | null {
  const m = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  return m ? m.slice(1).map(Number) : null;
}

/** RFC 6890 special-purpose IPv4 blocks (and the rest of 0/8, 224/4, 240/4). */
function privateIpv4([a, b, c]: number[]): boolean {
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113)
  );
}

/** Expands the WHATWG-serialised IPv6 literal (no brackets) to eight 16-bit groups. */
function ipv6Groups(host: string): number[] | null {
  let text = host;
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const p = ipv4Parts(v4[1]);
    if (!p) return null;
    text = text.slice(0, -v4[1].length) + `${((p[0] << 8) | p[1]).toString(16)}:${((p[2] << 8) | p[3]).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const parse = (s: string | undefined) => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * Only global unicast (2000::/3) is public, less documentation (2001:db8::/32), 6to4 (2002::/16)
 * and Teredo (2001::/32), which embed IPv4 addresses that may be private.
 */
function privateIpv6(g: number[]): boolean {
  if ((g[0] & 0xe000) !== 0x2000) return true;
  return (g[0] === 0x2001 && (g[1] === 0x0db8 || g[1] === 0)) || g[0] === 0x2002;
}

export const PRIVATE_IP = "must not point to a private or reserved IP address";
export const NOT_PUBLIC_NAME = "must name a public host";

/**
 * Why `hostname` (as WHATWG URL parsing serialises it: lowercase, IPv4 in any spelling turned
 * into a dotted quad, IPv6 in brackets) is not a public host, or null when it is.
 */
export function hostRefusal(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const v4 = ipv4Parts(host);
  if (v4) return privateIpv4(v4) ? PRIVATE_IP : null;
  if (host.startsWith("[")) {
    const groups = ipv6Groups(host.slice(1, -1));
    return !groups || privateIpv6(groups) ? PRIVATE_IP : null;
  }
  if (!host.includes(".") || LOCAL_NAMES.test(host)) return NOT_PUBLIC_NAME;
  return null;
}

/**
 * A bare host name (no scheme, port or path) as the network stack will read it: WHATWG URL
 * parsing turns decimal, octal, hex and short IPv4 spellings ("2130706433", "0x7f.1", "127.1")
 * into dotted quads, as inet_aton-style resolvers do, so they are judged as the address they are.
 * Null when it is not a host name at all.
 */
export function canonicalHost(host: string): string | null {
  if (!host || /[\s/\\?#@:[\]%]/.test(host)) return null;
  try {
    return new URL(`https://${host}/`).hostname.toLowerCase();
  } catch {
    return null;
  }
}
