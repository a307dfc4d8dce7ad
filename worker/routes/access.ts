/**
 * Cloudflare Access mode, for companies that already put their staff behind Access: the edge
 * adds a `Cf-Access-Jwt-Assertion` JWT to every request; we verify it against the team's JWKS
 * (https://<team>.cloudflareaccess.com/cdn-cgi/access/certs), its issuer and its `aud`, and map
 * its email to a user — who must be a verified recipient, as with magic links.
 */
import { createRemoteJWKSet, jwtVerify } from "jose";

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

export interface AccessConfig {
  teamDomain: string;
  audience: string;
}

/** The verified email of an Access JWT, or null when the token is missing or invalid. */
export async function accessEmail(token: string | undefined, config: AccessConfig): Promise<string | null> {
  if (!token) return null;
  const issuer = `https://${config.teamDomain}`;
  let jwks = jwksCache.get(issuer);
  if (!jwks) {
    jwks = createRemoteJWKSet(new URL(`${issuer}/cdn-cgi/access/certs`));
    jwksCache.set(issuer, jwks);
  }
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer, audience: config.audience });
    return typeof payload.email === "string" ? payload.email.toLowerCase() : null;
  } catch {
    return null;
  }
}
