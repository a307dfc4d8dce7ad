/**
 * Sign-in by magic link: a one-time link mailed to the user's own address, then an HttpOnly,
 * Secure, SameSite=Lax session cookie whose token is stored only as a hash. The answer to a
 * request is the same whether or not the address may sign in (no user enumeration); the lookup
 * and the mail happen after the response.
 */
import { and, eq, gt, isNotNull } from "drizzle-orm";
import { Hono } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { publicAddresses, recipients, sessions, signInLinks, users } from "../../db/schema";
import { isToken, randomToken, sha256Hex } from "../crypto/tokens";
import { composePlain } from "../mail/compose";
import { queueServiceMail } from "../mail/service-mail";
import type { AppEnv } from "./app-env";
import { SESSION_COOKIE, requireUser } from "./identity";
import { emailField, readJson } from "./validate";
import { allowed } from "../rate-limit";
import { ApiError } from "../errors";

const LINK_TTL = 15 * 60 * 1000;
const SESSION_TTL = 30 * 24 * 60 * 60 * 1000;

export const session = new Hono<AppEnv>();
export const authCallback = new Hono<AppEnv>();

export const signInRequestSchema = z.strictObject({ email: emailField });

session.post("/request", async (c) => {
  const { email } = await readJson(c, signInRequestSchema);
  // Per client address (Cloudflare sets CF-Connecting-IP), whoever is asked for: the answer
  // stays the same for every address.
  const ip = c.req.header("cf-connecting-ip");
  if (ip && !(await allowed(c.env.RL_SIGNIN, `signin:${ip}`))) throw new ApiError("rate_limited", "Too many sign-in requests; try again in a minute", 429);
  c.executionCtx.waitUntil(sendSignInLink(c.var, email).catch((e) => console.error(JSON.stringify({ event: "sign_in_mail_failed", type: e?.name }))));
  return c.json({ ok: true }, 202);
});

async function sendSignInLink(vars: AppEnv["Variables"], email: string): Promise<void> {
  const { db, ring, config, mailer } = vars;
  const emailHash = await ring.index(email);
  const [recipient] = await db
    .select({ accountId: publicAddresses.accountId, address: publicAddresses.address })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(and(eq(recipients.emailHash, emailHash), isNotNull(recipients.verifiedAt)));
  if (!recipient) return;
  await db.insert(users).values({ id: randomToken(), accountId: recipient.accountId, emailHash, emailEnc: await ring.seal(email) }).onConflictDoNothing();
  const [user] = await db.select({ id: users.id }).from(users).where(and(eq(users.accountId, recipient.accountId), eq(users.emailHash, emailHash)));
  const token = randomToken(20);
  await db.insert(signInLinks).values({ tokenHash: await sha256Hex(token), userId: user.id, expiresAt: Date.now() + LINK_TTL });
  const link = `${config.appUrl}/auth/callback?token=${token}`;
  const raw = composePlain({
    from: { name: "Kakuremino", address: recipient.address },
    to: { address: email },
    subject: "Sign in to Kakuremino / サインイン用リンク",
    text: `Open this link within 15 minutes to sign in:\n${link}\n\n15分以内に次のリンクを開いてサインインしてください。\n${link}\n\nIf you did not ask for it, ignore this message.`,
    headers: { "Auto-Submitted": "auto-generated" },
  });
  // Already after the response (waitUntil): the first attempt can be awaited here.
  const sends: Promise<unknown>[] = [];
  await queueServiceMail({ db, ring, mailer }, (p) => sends.push(p), { kind: "sign-in", from: recipient.address, to: email, raw });
  await Promise.all(sends);
}

authCallback.get("/callback", async (c) => {
  const token = c.req.query("token") ?? "";
  if (!isToken(token)) return c.redirect("/?signin=invalid", 302);
  const [link] = await c.var.db.delete(signInLinks).where(and(eq(signInLinks.tokenHash, await sha256Hex(token)), gt(signInLinks.expiresAt, Date.now()))).returning();
  if (!link) return c.redirect("/?signin=invalid", 302);
  // A fresh session on every sign-in (no fixation); the token lives only in the cookie.
  const sessionToken = randomToken(24);
  await c.var.db.insert(sessions).values({ id: randomToken(), tokenHash: await sha256Hex(sessionToken), userId: link.userId, expiresAt: Date.now() + SESSION_TTL });
  setCookie(c, SESSION_COOKIE, sessionToken, { httpOnly: true, secure: true, sameSite: "Lax", path: "/", maxAge: SESSION_TTL / 1000 });
  return c.redirect("/", 302);
});

session.post("/sign-out", async (c) => {
  const user = requireUser(c);
  await c.var.db.delete(sessions).where(eq(sessions.id, user.sessionId));
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
  return c.body(null, 204);
});

session.get("/me", async (c) => {
  const user = requireUser(c);
  const addresses = await c.var.db
    .selectDistinct({ address: publicAddresses.address, displayName: publicAddresses.displayName })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(eq(recipients.emailHash, user.emailHash));
  return c.json({ email: await c.var.ring.open(user.emailEnc), role: user.role, addresses });
});
