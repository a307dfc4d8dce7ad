import { and, count, eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { publicAddresses, recipients } from "../../db/schema";
import { deletePublicAddress } from "../../db/queries/deletion";
import { randomToken } from "../crypto/tokens";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";
import type { Config } from "../env";
import { requireAdmin } from "./identity";
import { emailField, readJson, singleLine } from "./validate";
import { record } from "./audit";
import { assertQuota, OPERATOR_PLAN } from "../../db/queries/plans";
import { assertDomainUsable } from "./domains";
import { unlessTaken } from "../../db/unique";

export const createSchema = z.strictObject({ address: emailField, displayName: singleLine(100).default("") });

export const addresses = new Hono<AppEnv>();

/**
 * RFC 2142 and RFC 5321 §4.5.1 role mailboxes: on a service domain they concern the service.
 */
const ROLE_MAILBOXES = new Set(["postmaster", "abuse", "hostmaster", "webmaster", "security", "noc", "mailer-daemon", "no-reply", "noreply"]);

/**
 * The service's own mailboxes, which no tenant may hold: SERVICE_FROM (sign-in links and
 * invitations go out from it, so auto-replies and bounces quoting them come back to it — a
 * tenant holding it would have other accounts' sign-in links forwarded to its recipients) and
 * the role mailboxes of the service domains.
 */
function isServiceMailbox(config: Config, address: string): boolean {
  const [local, domain] = address.split("@");
  return address === config.serviceFrom.toLowerCase() || (config.serviceDomains.includes(domain) && ROLE_MAILBOXES.has(local));
}

function present(row: typeof publicAddresses.$inferSelect, recipientCount = 0) {
  return { id: row.id, address: row.address, displayName: row.displayName, status: row.status, retentionDays: row.retentionDays, noticeBanner: row.noticeBanner, aliasIdleDays: row.aliasIdleDays, recipientCount, createdAt: row.createdAt };
}

addresses.post("/", async (c) => {
  const { accountId } = requireAdmin(c);
  const body = await readJson(c, createSchema);
  const [local, domain] = body.address.split("@");
  if (local.includes("+")) throw new ApiError("invalid_address", "A public address cannot contain a +tag: tags are ignored on delivery");
  if (/^r-/.test(local)) throw new ApiError("invalid_address", 'Local parts starting with "r-" are reserved for reverse aliases');
  const { db } = c.var;
  const exists = () => new ApiError("address_exists", "This public address already exists", 409);
  const existing = await db.select({ id: publicAddresses.id }).from(publicAddresses).where(eq(publicAddresses.address, body.address));
  if (existing.length) throw exists();
  const plan = await assertQuota(db, accountId, "addresses");
  const operatorAccount = plan.id === OPERATOR_PLAN;
  if (!operatorAccount && isServiceMailbox(c.var.config, body.address)) throw new ApiError("reserved_address", "This address belongs to the service itself", 409);
  await assertDomainUsable(c, accountId, domain, operatorAccount);
  const [row] = await unlessTaken(db.insert(publicAddresses).values({ id: randomToken(), accountId, address: body.address, domain, displayName: body.displayName }).returning(), exists);
  await record(c, "address.create", row.id);
  return c.json(present(row), 201);
});

addresses.get("/", async (c) => {
  const { accountId } = requireAdmin(c);
  const { db } = c.var;
  const rows = await db
    .select({ pa: publicAddresses, recipientCount: count(recipients.id) })
    .from(publicAddresses)
    .leftJoin(recipients, eq(recipients.publicAddressId, publicAddresses.id))
    .where(eq(publicAddresses.accountId, accountId))
    .groupBy(publicAddresses.id)
    .orderBy(publicAddresses.createdAt);
  return c.json(rows.map((r) => present(r.pa, r.recipientCount)));
});

addresses.delete("/:id", async (c) => {
  const { accountId } = requireAdmin(c);
  const { db, ring } = c.var;
  const [row] = await db.select().from(publicAddresses).where(and(eq(publicAddresses.id, c.req.param("id")), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  await deletePublicAddress(db, ring, row.id);
  await record(c, "address.delete", row.id);
  return c.body(null, 204);
});

export const patchSchema = z.strictObject({
  displayName: singleLine(100).optional(),
  status: z.enum(["active", "disabled"]).optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
  /** One line on top of every forwarded copy; null removes it. */
  noticeBanner: singleLine(200).refine((v) => v.trim().length > 0, "must not be empty (null removes the banner)").nullable().optional(),
  /** Reverse aliases unused this many days are purged by the cron; null keeps them. */
  aliasIdleDays: z.number().int().min(1).max(3650).nullable().optional(),
});

/** Rename, disable (mail is then refused with a clear reason), change the retention window, the notice banner or the idle-alias purge. */
addresses.patch("/:id", async (c) => {
  const { accountId } = requireAdmin(c);
  const body = await readJson(c, patchSchema);
  if (Object.keys(body).length === 0) throw new ApiError("empty_update", "Send at least one field to change", 400);
  const [row] = await c.var.db.update(publicAddresses).set(body).where(and(eq(publicAddresses.id, c.req.param("id")), eq(publicAddresses.accountId, accountId))).returning();
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  await record(c, `address.update:${Object.keys(body).sort().join(",")}`, row.id);
  const [{ n }] = await c.var.db.select({ n: count() }).from(recipients).where(eq(recipients.publicAddressId, row.id));
  return c.json(present(row, n));
});
