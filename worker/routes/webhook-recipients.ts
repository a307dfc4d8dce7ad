/**
 * Webhook recipients, mounted in front of the recipient routes at /api/addresses/:id/recipients:
 * `POST {kind: "webhook", url}` adds one; anything else falls through to the mailbox handler.
 *
 * No confirmation step: a mailbox confirms because mail to an unconsenting person is spam and the
 * address must be proven to belong to the recipient. An endpoint has neither problem — only the
 * account's admin can add one, the URL must pass the SSRF check, and the endpoint accepts
 * nothing it cannot verify with the secret, which only the admin receives (once, here). A
 * wrong URL just fails its deliveries, which show in the outbox.
 */
import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { assertQuota } from "../../db/queries/plans";
import { publicAddresses, recipients } from "../../db/schema";
import { randomToken } from "../crypto/tokens";
import { ApiError } from "../errors";
import { unlessTaken } from "../../db/unique";
import { newWebhookSecret } from "../mail/webhook";
import { checkWebhookUrl } from "../mail/webhook-url";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireAdmin } from "./identity";
import { readJson } from "./validate";

export const webhookSchema = z.strictObject({ kind: z.literal("webhook"), url: z.string().max(2000) });

export const webhookRecipientRoutes = new Hono<AppEnv>();

async function ownedAddress(c: Context<AppEnv>) {
  const { accountId } = requireAdmin(c);
  const [row] = await c.var.db.select().from(publicAddresses).where(and(eq(publicAddresses.id, c.req.param("id")!), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  return row;
}

/** True when the JSON body asks for a webhook; the body stays readable for the next handler. */
async function wantsWebhook(c: Context<AppEnv>): Promise<boolean> {
  if (!(c.req.header("content-type") ?? "").includes("application/json")) return false;
  const body: unknown = await c.req.json().catch(() => null);
  return typeof body === "object" && body !== null && (body as { kind?: unknown }).kind === "webhook";
}

webhookRecipientRoutes.post("/", async (c, next) => {
  if (!(await wantsWebhook(c))) return next();
  const pa = await ownedAddress(c);
  const body = await readJson(c, webhookSchema);
  const checked = checkWebhookUrl(body.url);
  if (!checked.ok) throw new ApiError("invalid_url", checked.reason);
  const { db, ring } = c.var;
  const urlHash = await ring.index(checked.url);
  const existing = await db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.publicAddressId, pa.id), eq(recipients.emailHash, urlHash)));
  const exists = () => new ApiError("recipient_exists", "This webhook is already on the address", 409);
  if (existing.length) throw exists();
  await assertQuota(db, pa.accountId, "recipients");
  const id = randomToken();
  const secret = newWebhookSecret();
  await unlessTaken(db.insert(recipients).values({ id, publicAddressId: pa.id, kind: "webhook", emailHash: urlHash, emailEnc: await ring.seal(checked.url), webhookSecretEnc: await ring.seal(secret), verifiedAt: Date.now() }), exists);
  await record(c, "recipient.webhook.add", id);
  return c.json({ id, kind: "webhook", url: checked.url, verified: true, secret }, 201);
});

/** A new signing secret (the old one stops working at once); shown once. */
webhookRecipientRoutes.post("/:rid/webhook-secret", async (c) => {
  const pa = await ownedAddress(c);
  const secret = newWebhookSecret();
  const [row] = await c.var.db
    .update(recipients)
    .set({ webhookSecretEnc: await c.var.ring.seal(secret) })
    .where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id), eq(recipients.kind, "webhook")))
    .returning({ id: recipients.id });
  if (!row) throw new ApiError("not_found", "No such webhook recipient", 404);
  await record(c, "recipient.webhook.rotate-secret", row.id);
  return c.json({ id: row.id, secret });
});
