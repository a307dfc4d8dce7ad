import { and, eq, sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { deleteRecipient } from "../../db/queries/deletion";
import { apiKeys, publicAddresses, recipients } from "../../db/schema";
import { randomToken, sha256Hex } from "../crypto/tokens";
import { ApiError } from "../errors";
import { unlessTaken } from "../../db/unique";
import { queueVerificationMail } from "../mail/verification";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./identity";
import { emailField, readJson } from "./validate";
import { record } from "./audit";
import { assertQuota } from "../../db/queries/plans";

export const addSchema = z.strictObject({ email: emailField });

/** Mounted at /api/addresses/:id/recipients. */
export const recipientRoutes = new Hono<AppEnv>();

async function ownedAddress(c: Context<AppEnv>, id: string) {
  const { accountId } = requireAdmin(c);
  const [row] = await c.var.db.select().from(publicAddresses).where(and(eq(publicAddresses.id, id), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  return row;
}

const recipientExists = () => new ApiError("recipient_exists", "This recipient is already on the address", 409);

/** A recipient on the relay's own domain would have its copies relayed back into the relay. */
function assertPrivateMailbox(pa: typeof publicAddresses.$inferSelect, email: string): void {
  if (email.split("@")[1] === pa.domain) throw new ApiError("invalid_address", "A recipient must be a private mailbox outside the relay's domain");
}

async function invite(c: Context<AppEnv>, pa: typeof publicAddresses.$inferSelect, email: string): Promise<string> {
  assertPrivateMailbox(pa, email);
  const { db, ring } = c.var;
  const token = randomToken(20);
  const id = randomToken();
  await unlessTaken(db.insert(recipients).values({ id, publicAddressId: pa.id, emailHash: await ring.index(email), emailEnc: await ring.seal(email), verifyTokenHash: await sha256Hex(token) }), recipientExists);
  await queueVerificationMail(c.var, c.executionCtx, { publicAddress: pa, recipientId: id, email, token });
  await record(c, "recipient.invite", id);
  return id;
}

recipientRoutes.post("/", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const { email } = await readJson(c, addSchema);
  const emailHash = await c.var.ring.index(email);
  const existing = await c.var.db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.publicAddressId, pa.id), eq(recipients.emailHash, emailHash)));
  if (existing.length) throw recipientExists();
  await assertQuota(c.var.db, pa.accountId, "recipients");
  return c.json({ id: await invite(c, pa, email), email, verified: false }, 201);
});

export const rotateSchema = z.strictObject({ emails: z.array(emailField).min(1).max(200) });

/**
 * Rotation (a PTA's new officers in April): the set becomes exactly these addresses — new ones
 * are invited, missing ones removed with everything of their conversations, the rest kept.
 */
recipientRoutes.put("/", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const { emails } = await readJson(c, rotateSchema);
  // Every address is checked before anyone is removed: a refused one must not leave half a rotation.
  for (const email of emails) assertPrivateMailbox(pa, email);
  const wanted = new Map(await Promise.all([...new Set(emails)].map(async (e) => [await c.var.ring.index(e), e] as const)));
  // Rotation concerns mailboxes: webhook recipients are not in `emails` and stay.
  const current = await c.var.db.select({ id: recipients.id, emailHash: recipients.emailHash }).from(recipients).where(and(eq(recipients.publicAddressId, pa.id), eq(recipients.kind, "mailbox")));
  const removed = current.filter((r) => !wanted.has(r.emailHash));
  const adding = [...wanted.keys()].filter((hash) => !current.some((r) => r.emailHash === hash)).length;
  // Checked before anything changes: a rotation is all or nothing as far as the plan goes.
  await assertQuota(c.var.db, pa.accountId, "recipients", adding - removed.length);
  for (const r of removed) {
    await deleteRecipient(c.var.db, c.var.ring, r.id);
    await record(c, "recipient.remove", r.id);
  }
  const kept = current.filter((r) => wanted.has(r.emailHash));
  const added: string[] = [];
  for (const [hash, email] of wanted) if (!kept.some((k) => k.emailHash === hash)) added.push(await invite(c, pa, email));
  return c.json({ added: added.length, removed: removed.length, kept: kept.length });
});

recipientRoutes.get("/", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const rows = await c.var.db.select().from(recipients).where(eq(recipients.publicAddressId, pa.id)).orderBy(recipients.createdAt);
  return c.json(await Promise.all(rows.map(async (r) => ({ id: r.id, email: await c.var.ring.open(r.emailEnc), kind: r.kind, verified: r.verifiedAt !== null, createdAt: r.createdAt }))));
});

/** Sends a fresh confirmation link (the old one stops working) to a recipient not yet confirmed. */
recipientRoutes.post("/:rid/resend", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const { db, ring } = c.var;
  const [row] = await db.select().from(recipients).where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id)));
  if (!row) throw new ApiError("not_found", "No such recipient", 404);
  if (row.kind !== "mailbox") throw new ApiError("not_a_mailbox", "Only mailbox recipients confirm by e-mail", 409);
  if (row.verifiedAt !== null) throw new ApiError("already_verified", "This recipient has already confirmed", 409);
  const token = randomToken(20);
  await db.update(recipients).set({ verifyTokenHash: await sha256Hex(token) }).where(eq(recipients.id, row.id));
  await queueVerificationMail(c.var, c.executionCtx, { publicAddress: pa, recipientId: row.id, email: await ring.open(row.emailEnc), token });
  await record(c, "recipient.resend", row.id);
  return c.json({ id: row.id, verified: false }, 202);
});

recipientRoutes.delete("/:rid", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const [row] = await c.var.db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id)));
  if (!row) throw new ApiError("not_found", "No such recipient", 404);
  await deleteRecipient(c.var.db, c.var.ring, row.id);
  await record(c, "recipient.remove", row.id);
  return c.body(null, 204);
});

export const keySchema = z.strictObject({ label: z.string().max(100).regex(/^[^\x00-\x1f\x7f]*$/, "must be a single line").default("") });

/** A system's API key for one recipient: shown once, stored as a hash, revocable. */
recipientRoutes.post("/:rid/keys", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const { label } = await readJson(c, keySchema, { optionalBody: true });
  const [row] = await c.var.db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id)));
  if (!row) throw new ApiError("not_found", "No such recipient", 404);
  const key = `km_${randomToken(24)}`;
  const id = randomToken();
  await c.var.db.insert(apiKeys).values({ id, recipientId: row.id, keyHash: await sha256Hex(key), label });
  await record(c, "api-key.create", id);
  return c.json({ id, key, label }, 201);
});

/** The recipient's keys, revoked ones included: never the key itself (only its hash is stored). */
recipientRoutes.get("/:rid/keys", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const [row] = await c.var.db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id)));
  if (!row) throw new ApiError("not_found", "No such recipient", 404);
  const keys = await c.var.db.select({ id: apiKeys.id, label: apiKeys.label, createdAt: apiKeys.createdAt, revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.recipientId, row.id)).orderBy(apiKeys.createdAt, sql`rowid`);
  return c.json(keys);
});

recipientRoutes.delete("/:rid/keys/:keyId", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const [revoked] = await c.var.db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, c.req.param("keyId")), eq(apiKeys.recipientId, c.req.param("rid")), sql`${apiKeys.recipientId} IN (SELECT id FROM recipients WHERE public_address_id = ${pa.id})`))
    .returning({ id: apiKeys.id });
  if (!revoked) throw new ApiError("not_found", "No such key", 404);
  await record(c, "api-key.revoke", revoked.id);
  return c.body(null, 204);
});
