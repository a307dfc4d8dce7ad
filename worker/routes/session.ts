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
import { accounts, publicAddresses, recipients, sessions, signInLinks, users } from "../../db/schema";
import { isToken, randomToken, sha256Hex } from "../crypto/tokens";
import { composePlain } from "../mail/compose";
import { queueServiceMail } from "../mail/service-mail";
import type { AppEnv } from "./app-env";
import { SESSION_COOKIE, requireUser, type Role } from "./identity";
import { emailField, readJson } from "./validate";
import { allowed } from "../rate-limit";
import { ApiError } from "../errors";
import { deleteRecipient } from "../../db/queries/deletion";
import { record } from "./audit";

const LINK_TTL = 15 * 60 * 1000;
const SESSION_TTL = 30 * 24 * 60 * 60 * 1000;
const INVITE_TTL = 7 * 24 * 60 * 60 * 1000;

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

/**
 * Mails a sign-in link for every account the address belongs to: as a user (owners and admins
 * added by the account) or as a verified recipient (who becomes a member on first sign-in).
 */
async function sendSignInLink(vars: AppEnv["Variables"], email: string): Promise<void> {
  const { db, ring } = vars;
  const emailHash = await ring.index(email);
  const asRecipient = await db
    .selectDistinct({ accountId: publicAddresses.accountId })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(and(eq(recipients.emailHash, emailHash), isNotNull(recipients.verifiedAt)));
  if (asRecipient.length) {
    const emailEnc = await ring.seal(email);
    await db.insert(users).values(asRecipient.map((r) => ({ id: randomToken(), accountId: r.accountId, emailHash, emailEnc }))).onConflictDoNothing();
  }
  const rows = await db.select({ id: users.id, accountName: accounts.name }).from(users).innerJoin(accounts, eq(accounts.id, users.accountId)).where(eq(users.emailHash, emailHash));
  for (const user of rows) await mailSignInLink(vars, { userId: user.id, email, accountName: user.accountName });
}

/** What an invitation says the role lets one do: a member only answers, it manages nothing. */
const INVITED_AS: Record<Role, { en: string; ja: string }> = {
  owner: { en: "as an owner (everything in the account, its users included)", ja: "オーナーとして(ユーザーを含むアカウントのすべてを管理)" },
  admin: { en: "as an admin (addresses, recipients, forms and domains)", ja: "管理者として(公開アドレス・受信者・フォーム・ドメインを管理)" },
  member: { en: "as a member (the conversations of the addresses you answer)", ja: "メンバーとして(担当する公開アドレスの会話)" },
};

/** A one-time link to sign in as this user; `invitedAs` words it as an invitation to that role. */
export async function mailSignInLink(vars: AppEnv["Variables"], input: { userId: string; email: string; accountName: string; invitedAs?: Role }, waitUntil?: (p: Promise<unknown>) => void): Promise<void> {
  const { db, ring, config, mailer } = vars;
  const token = randomToken(20);
  const invited = input.invitedAs ? INVITED_AS[input.invitedAs] : null;
  await db.insert(signInLinks).values({ tokenHash: await sha256Hex(token), userId: input.userId, expiresAt: Date.now() + (invited ? INVITE_TTL : LINK_TTL) });
  const link = `${config.appUrl}/auth/callback?token=${token}`;
  const raw = composePlain({
    from: { name: "Kakuremino", address: config.serviceFrom },
    to: { address: input.email },
    subject: invited ? `Invitation to ${input.accountName} on Kakuremino / 招待` : `Sign in to ${input.accountName} on Kakuremino / サインイン用リンク`,
    text: invited
      ? `You were invited to "${input.accountName}" on Kakuremino ${invited.en}. Open this link within 7 days to sign in:\n${link}\n\nKakuremino の「${input.accountName}」に${invited.ja}招待されました。7日以内に次のリンクを開いてサインインしてください。\n${link}`
      : `Open this link within 15 minutes to sign in to "${input.accountName}":\n${link}\n\n15分以内に次のリンクを開いてサインインしてください（${input.accountName}）。\n${link}\n\nIf you did not ask for it, ignore this message.`,
    headers: { "Auto-Submitted": "auto-generated" },
  });
  const sends: Promise<unknown>[] = [];
  await queueServiceMail({ db, ring, mailer }, waitUntil ?? ((p) => sends.push(p)), { kind: "sign-in", from: config.serviceFrom, to: input.email, raw, userId: input.userId });
  // Without a waitUntil we are already after the response: the first attempt can be awaited.
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
  const { db, ring } = c.var;
  const [account] = await db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, user.accountId));
  const own = await db
    .select({ id: recipients.id, address: publicAddresses.address, displayName: publicAddresses.displayName })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(and(eq(recipients.emailHash, user.emailHash), eq(publicAddresses.accountId, user.accountId), isNotNull(recipients.verifiedAt)));
  const addresses = [...new Map(own.map((r) => [r.address, { address: r.address, displayName: r.displayName }])).values()];
  return c.json({ email: await ring.open(user.emailEnc), role: user.role, accountId: user.accountId, accountName: account?.name ?? "", addresses, recipients: own });
});

/**
 * A recipient removing itself (a PTA officer stepping down): its aliases, conversations and
 * stored bodies go like any removal; the public address's admins see it in the audit log. A
 * member who was the account's user only as a recipient goes with its last row, and so does
 * this session (the cookie is cleared too); an owner or admin stays signed in.
 */
session.delete("/me/recipients/:rid", async (c) => {
  const user = requireUser(c);
  const { db, ring } = c.var;
  const [row] = await db
    .select({ id: recipients.id })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(and(eq(recipients.id, c.req.param("rid")), eq(recipients.emailHash, user.emailHash), eq(publicAddresses.accountId, user.accountId)));
  if (!row) throw new ApiError("not_found", "No such recipient of yours", 404);
  await deleteRecipient(db, ring, row.id);
  await record(c, "recipient.self-remove", row.id);
  const [stillUser] = await db.select({ id: users.id }).from(users).where(eq(users.id, user.userId));
  if (!stillUser) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
  return c.body(null, 204);
});
