/**
 * Customer domains. Mail for them reaches the relay through Cloudflare Email Routing; before an
 * account may create addresses on one, it proves control with a TXT record, looked up over
 * DNS-over-HTTPS. The service's own domains (SERVICE_DOMAINS) need none of this.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { assertQuota } from "../../db/queries/plans";
import { domains, publicAddresses } from "../../db/schema";
import { randomToken } from "../crypto/tokens";
import { DnsLookupError, lookupTxt } from "../dns/doh";
import { ApiError } from "../errors";
import { unlessTaken } from "../../db/unique";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireAdmin } from "./identity";
import { readJson } from "./validate";

export const VERIFY_LABEL = "_kakuremino";

/** A DNS name (RFC 1035 §2.3.1 letters-digits-hyphen labels, RFC 5890 A-labels), lowercased. */
export const domainField = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a domain name such as example.com");

export const createDomainSchema = z.strictObject({ name: domainField });

export const domainRoutes = new Hono<AppEnv>();

type DomainRow = typeof domains.$inferSelect;

/** Another account holding the name verified is told only that it is taken, not by whom. */
const taken = () => new ApiError("domain_taken", "This domain is verified by another account", 409);

/** What the customer sets in DNS: Email Routing's MX and SPF, and our verification TXT. */
function records(row: DomainRow) {
  return [
    { type: "TXT", name: `${VERIFY_LABEL}.${row.name}`, value: `kakuremino-verify=${row.verifyToken}` },
    // Cloudflare Email Routing adds and locks these when enabled on the zone; priorities are its own.
    { type: "MX", name: row.name, value: "route1.mx.cloudflare.net" },
    { type: "MX", name: row.name, value: "route2.mx.cloudflare.net" },
    { type: "MX", name: row.name, value: "route3.mx.cloudflare.net" },
    { type: "TXT", name: row.name, value: "v=spf1 include:_spf.mx.cloudflare.net ~all" },
  ];
}

function present(row: DomainRow) {
  return { id: row.id, name: row.name, verified: row.verifiedAt !== null, verifiedAt: row.verifiedAt, lastCheckedAt: row.lastCheckedAt, records: records(row) };
}

domainRoutes.get("/", async (c) => {
  const { accountId } = requireAdmin(c);
  const rows = await c.var.db.select().from(domains).where(eq(domains.accountId, accountId)).orderBy(domains.createdAt);
  return c.json({ serviceDomains: c.var.config.serviceDomains, domains: rows.map(present) });
});

domainRoutes.post("/", async (c) => {
  const { accountId } = requireAdmin(c);
  const { name } = await readJson(c, createDomainSchema);
  if (c.var.config.serviceDomains.includes(name)) throw new ApiError("service_domain", "This is the service's own domain: addresses on it need no setup", 409);
  const { db } = c.var;
  const [held] = await db.select({ accountId: domains.accountId, verifiedAt: domains.verifiedAt }).from(domains).where(eq(domains.name, name));
  const exists = () => new ApiError("domain_exists", "This domain is already on the account", 409);
  if (held?.accountId === accountId) throw exists();
  const [verifiedElsewhere] = await db.select({ id: domains.id }).from(domains).where(and(eq(domains.name, name), sql`verified_at IS NOT NULL`));
  if (verifiedElsewhere) throw taken();
  await assertQuota(db, accountId, "domains");
  const [row] = await unlessTaken(db.insert(domains).values({ id: randomToken(), accountId, name, verifyToken: randomToken(20) }).returning(), exists);
  await record(c, "domain.add", row.id);
  return c.json(present(row), 201);
});

/** Checks the TXT record now; 422 says what was expected where, so the admin can fix DNS. */
domainRoutes.post("/:domainId/verify", async (c) => {
  const { accountId } = requireAdmin(c);
  const { db, config } = c.var;
  const [row] = await db.select().from(domains).where(and(eq(domains.id, c.req.param("domainId")), eq(domains.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such domain", 404);
  const expected = `kakuremino-verify=${row.verifyToken}`;
  let found: string[];
  try {
    found = await lookupTxt(config.dohUrl, `${VERIFY_LABEL}.${row.name}`);
  } catch (error) {
    if (error instanceof DnsLookupError) throw new ApiError("dns_unavailable", `${error.message}; try again later`, 503);
    throw error;
  }
  const now = Date.now();
  if (!found.includes(expected)) {
    await db.update(domains).set({ lastCheckedAt: now }).where(eq(domains.id, row.id));
    throw new ApiError("verification_failed", `No TXT record "${expected}" at ${VERIFY_LABEL}.${row.name} yet (DNS changes can take a while to appear)`, 422);
  }
  // The partial unique index refuses a name another account verified first.
  const [verified] = await unlessTaken(db.update(domains).set({ verifiedAt: row.verifiedAt ?? now, lastCheckedAt: now }).where(eq(domains.id, row.id)).returning(), taken);
  await record(c, "domain.verify", row.id);
  return c.json(present(verified));
});

domainRoutes.delete("/:domainId", async (c) => {
  const { accountId } = requireAdmin(c);
  const { db } = c.var;
  const [row] = await db.select().from(domains).where(and(eq(domains.id, c.req.param("domainId")), eq(domains.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such domain", 404);
  const [inUse] = await db.select({ n: count() }).from(publicAddresses).where(and(eq(publicAddresses.accountId, accountId), eq(publicAddresses.domain, row.name)));
  if (inUse.n > 0) throw new ApiError("domain_in_use", `Delete the ${inUse.n} public address(es) on ${row.name} first`, 409);
  await db.delete(domains).where(eq(domains.id, row.id));
  await record(c, "domain.remove", row.id);
  return c.body(null, 204);
});

/**
 * May this account create an address on `domain`? The service's own domains, and the account's
 * verified ones. The operator's own account routes its zones itself and is not asked.
 */
export async function assertDomainUsable(c: { var: AppEnv["Variables"] }, accountId: string, domain: string, operatorAccount: boolean): Promise<void> {
  if (operatorAccount || c.var.config.serviceDomains.includes(domain)) return;
  const [row] = await c.var.db.select({ id: domains.id }).from(domains).where(and(eq(domains.accountId, accountId), eq(domains.name, domain), sql`verified_at IS NOT NULL`));
  if (!row) throw new ApiError("domain_not_verified", `Add and verify ${domain} under Domains before creating addresses on it`, 403);
}
