/**
 * Reply authentication. Only the receiving MTA's own Authentication-Results field (RFC 8601)
 * counts: the top-most one whose authserv-id is the configured one. Lower or foreign fields
 * may be planted by the sender (case-24) and are ignored; the relay never forwards any of them.
 */
import type { HeaderField } from "../mime/headers";

export interface AuthVerdict {
  pass: boolean;
  /** Which method passed, for logs ("dkim" | "spf"), or why none did. */
  reason: string;
}

interface MethodResult {
  method: string;
  result: string;
  props: Record<string, string>;
}

function parseResults(value: string): { authservId: string; results: MethodResult[] } {
  const withoutComments = value.replace(/\([^()]*\)/g, " ");
  const [idPart, ...rest] = withoutComments.split(";");
  const authservId = idPart.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const results = rest.map((chunk) => {
    const tokens = chunk.trim().split(/\s+/).filter(Boolean);
    const [head, ...props] = tokens;
    const [method, result] = (head ?? "").toLowerCase().split("=");
    const map: Record<string, string> = {};
    for (const prop of props) {
      const eq = prop.indexOf("=");
      if (eq > 0) map[prop.slice(0, eq).toLowerCase()] = prop.slice(eq + 1).replace(/^"|"$/g, "").toLowerCase();
    }
    return { method, result: result ?? "", props: map };
  });
  return { authservId, results };
}

/** Relaxed alignment (RFC 7489 §3.1): the same domain or one a parent of the other. */
function aligned(a: string, b: string): boolean {
  const x = a.replace(/^@/, "").split("@").pop()!.toLowerCase();
  const y = b.toLowerCase();
  // A bare top-level domain is never an organisational domain.
  if (!x.includes(".") || !y.includes(".")) return false;
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
}

export function verifySender(fields: HeaderField[], senderAddress: string, authservId: string): AuthVerdict {
  const domain = senderAddress.split("@").pop()!.toLowerCase();
  const own = fields.find((f) => f.key === "authentication-results" && parseResults(f.value).authservId === authservId);
  if (!own) return { pass: false, reason: "no Authentication-Results from the receiving MTA" };
  const { results } = parseResults(own.value);
  for (const r of results) {
    if (r.method === "dkim" && r.result === "pass") {
      const d = r.props["header.d"] ?? r.props["header.i"] ?? "";
      if (d && aligned(d, domain)) return { pass: true, reason: "dkim" };
    }
  }
  for (const r of results) {
    if (r.method === "spf" && r.result === "pass") {
      const mailfrom = r.props["smtp.mailfrom"] ?? "";
      if (mailfrom && aligned(mailfrom, domain)) return { pass: true, reason: "spf" };
    }
  }
  return { pass: false, reason: "neither aligned DKIM nor SPF passed" };
}
