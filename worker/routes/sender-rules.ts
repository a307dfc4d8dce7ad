/**
 * Sender allow/block rules of a public address (issue #5), mounted at
 * /api/addresses/:id/sender-rules. A pattern is a whole address or "@domain"; it is stored
 * sealed with a blind index (an address on a block list is still personal data) and shown
 * decrypted only to the admins of the address's account.
 */
import { and, asc, eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { publicAddresses, senderRules } from "../../db/schema";
import { randomToken } from "../crypto/tokens";
import { normalizePattern, patternIndex } from "../email/sender-policy";
import { ApiError } from "../errors";
import { cleanAddrSpec } from "../mime/address";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireAdmin } from "./identity";
import { readJson } from "./validate";

/** "@" + a domain name (RFC 5321 §4.1.2 Domain: dot-separated labels of letters, digits, hyphens). */
const DOMAIN_PATTERN = /^@(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/;

const pattern = z
  .string()
  .max(254)
  .transform((value, ctx) => {
    const clean = normalizePattern(value);
    if (/[\x00-\x20\x7f]/.test(clean) || !(DOMAIN_PATTERN.test(clean) || cleanAddrSpec(clean) === clean)) {
      ctx.addIssue({ code: "custom", message: 'must be an address or "@domain"' });
      return z.NEVER;
    }
    return clean;
  });

export const createRuleSchema = z.strictObject({ kind: z.enum(["allow", "block"]), pattern });

export const senderRuleRoutes = new Hono<AppEnv>();

async function ownedAddressId(c: Context<AppEnv>): Promise<string> {
  const { accountId } = requireAdmin(c);
  const [row] = await c.var.db
    .select({ id: publicAddresses.id })
    .from(publicAddresses)
    .where(and(eq(publicAddresses.id, c.req.param("id") ?? ""), eq(publicAddresses.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such public address", 404);
  return row.id;
}

senderRuleRoutes.get("/", async (c) => {
  const paId = await ownedAddressId(c);
  const rows = await c.var.db.select().from(senderRules).where(eq(senderRules.publicAddressId, paId)).orderBy(asc(senderRules.createdAt));
  return c.json(await Promise.all(rows.map(async (r) => ({ id: r.id, kind: r.kind, pattern: await c.var.ring.open(r.patternEnc), createdAt: r.createdAt }))));
});

senderRuleRoutes.post("/", async (c) => {
  const paId = await ownedAddressId(c);
  const body = await readJson(c, createRuleSchema);
  const { db, ring } = c.var;
  const patternHash = await patternIndex(ring, body.pattern);
  const [row] = await db
    .insert(senderRules)
    .values({ id: randomToken(), publicAddressId: paId, kind: body.kind, patternHash, patternEnc: await ring.seal(body.pattern) })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ApiError("rule_exists", "This address already has a rule for that pattern", 409);
  // The audit trail names the rule, never the pattern (it may be a person's address).
  await record(c, `sender-rule.create:${body.kind}`, row.id);
  return c.json({ id: row.id, kind: row.kind, pattern: body.pattern, createdAt: row.createdAt }, 201);
});

senderRuleRoutes.delete("/:ruleId", async (c) => {
  const paId = await ownedAddressId(c);
  const [row] = await c.var.db
    .delete(senderRules)
    .where(and(eq(senderRules.id, c.req.param("ruleId")), eq(senderRules.publicAddressId, paId)))
    .returning({ id: senderRules.id });
  if (!row) throw new ApiError("not_found", "No such sender rule", 404);
  await record(c, "sender-rule.delete", row.id);
  return c.body(null, 204);
});
