import { and, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { deleteRecipient } from "../../db/queries/deletion";
import { publicAddresses, recipients } from "../../db/schema";
import { randomToken, sha256Hex } from "../crypto/tokens";
import { ApiError } from "../errors";
import { queueVerificationMail } from "../mail/verification";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./identity";
import { emailField, readJson } from "./validate";

const addSchema = z.strictObject({ email: emailField });

/** Mounted at /api/addresses/:id/recipients. */
export const recipientRoutes = new Hono<AppEnv>();

async function ownedAddress(c: Context<AppEnv>, id: string) {
  const { accountId } = requireAdmin(c);
  const [row] = await c.var.db.select().from(publicAddresses).where(and(eq(publicAddresses.id, id), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  return row;
}

recipientRoutes.post("/", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const { email } = await readJson(c, addSchema);
  if (email.split("@")[1] === pa.domain) throw new ApiError("invalid_address", "A recipient must be a private mailbox outside the relay's domain");
  const { db, ring } = c.var;
  const emailHash = await ring.index(email);
  const existing = await db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.publicAddressId, pa.id), eq(recipients.emailHash, emailHash)));
  if (existing.length) throw new ApiError("recipient_exists", "This recipient is already on the address", 409);
  const token = randomToken(20);
  const id = randomToken();
  await db.insert(recipients).values({ id, publicAddressId: pa.id, emailHash, emailEnc: await ring.seal(email), verifyTokenHash: await sha256Hex(token) });
  await queueVerificationMail(c.var, c.executionCtx, { publicAddress: pa, recipientId: id, email, token });
  return c.json({ id, email, verified: false }, 201);
});

recipientRoutes.get("/", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const rows = await c.var.db.select().from(recipients).where(eq(recipients.publicAddressId, pa.id)).orderBy(recipients.createdAt);
  return c.json(await Promise.all(rows.map(async (r) => ({ id: r.id, email: await c.var.ring.open(r.emailEnc), kind: r.kind, verified: r.verifiedAt !== null, createdAt: r.createdAt }))));
});

recipientRoutes.delete("/:rid", async (c) => {
  const pa = await ownedAddress(c, c.req.param("id")!);
  const [row] = await c.var.db.select({ id: recipients.id }).from(recipients).where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.publicAddressId, pa.id)));
  if (!row) throw new ApiError("not_found", "No such recipient", 404);
  await deleteRecipient(c.var.db, c.var.ring, row.id);
  return c.body(null, 204);
});
