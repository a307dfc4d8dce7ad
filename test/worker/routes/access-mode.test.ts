/**
 * Cloudflare Access mode: the edge's JWT is verified against the team's JWKS, faked here at the
 * HTTP boundary with Access's documented certs shape ({keys:[JWK…]}).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../../worker/index";
import { STAFF_ONE, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";

const TEAM = "acme.cloudflareaccess.com";
const AUD = "aud-tag-1234";
let privateKey: CryptoKey;
let otherKey: CryptoKey;
const certsRequests: string[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey as CryptoKey;
  otherKey = (await generateKeyPair("RS256")).privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url === `https://${TEAM}/cdn-cgi/access/certs`) {
      certsRequests.push(url);
      return new Response(JSON.stringify({ keys: [jwk], public_cert: { kid: "k1", cert: "" } }), { headers: { "content-type": "application/json" } });
    }
    return realFetch(input, init);
  });
});

afterEach(resetDatabase);

async function token(claims: Record<string, unknown>, key = privateKey, aud = AUD): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(`https://${TEAM}`).setAudience(aud).setIssuedAt().setExpirationTime("5m").sign(key);
}

async function me(jwt: string | null) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request("http://relay.test/api/session/me", { headers: jwt ? { "cf-access-jwt-assertion": jwt } : {} }) as never, { ...env, ACCESS_TEAM_DOMAIN: TEAM, ACCESS_AUD: AUD }, ctx);
  await waitOnExecutionContext(ctx);
  return res as unknown as Response;
}

describe("Cloudflare Access mode", () => {
  it("signs a verified recipient in from a valid Access JWT", async () => {
    await setUpConversation();
    const res = await me(await token({ email: STAFF_ONE }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email: STAFF_ONE });
    expect(certsRequests[0]).toBe(`https://${TEAM}/cdn-cgi/access/certs`);
  });

  it("refuses a wrong audience, a foreign signature, a missing token, and people who are not recipients", async () => {
    await setUpConversation();
    expect((await me(await token({ email: STAFF_ONE }, privateKey, "other-app"))).status).toBe(401);
    expect((await me(await token({ email: STAFF_ONE }, otherKey))).status).toBe(401);
    expect((await me(null)).status).toBe(401);
    expect((await me(await token({ email: "outsider@example.org" }))).status).toBe(401);
  });
});
