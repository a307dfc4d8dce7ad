/**
 * Who is calling: the operator (bearer ADMIN_TOKEN) or a signed-in user (session cookie).
 * Cookie-authenticated changes must carry the X-Kakuremino header: a cross-site form cannot
 * set it, and a cross-site fetch cannot without a CORS preflight we never grant (CSRF).
 */
import { and, eq, gt, isNotNull, isNull } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { apiKeys, publicAddresses, recipients, sessions, users } from "../../db/schema";
import { accessEmail } from "./access";
import { randomToken } from "../crypto/tokens";
import { isToken, sha256Hex } from "../crypto/tokens";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";

export const SESSION_COOKIE = "km_session";
export const CSRF_HEADER = "x-kakuremino";

async function sameSecret(a: string, b: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [x, y] = await Promise.all([crypto.subtle.digest("SHA-256", enc.encode(a)), crypto.subtle.digest("SHA-256", enc.encode(b))]);
  return crypto.subtle.timingSafeEqual(x, y);
}

export const identify: MiddlewareHandler<AppEnv> = async (c, next) => {
  const bearer = (c.req.header("authorization") ?? "").match(/^Bearer\s+(.+)$/i)?.[1];
  const adminToken = c.var.config.adminToken;
  if (bearer?.startsWith("km_")) {
    const [key] = await c.var.db
      .select({ keyId: apiKeys.id, recipientId: recipients.id, emailHash: recipients.emailHash, emailEnc: recipients.emailEnc })
      .from(apiKeys)
      .innerJoin(recipients, eq(recipients.id, apiKeys.recipientId))
      .where(and(eq(apiKeys.keyHash, await sha256Hex(bearer)), isNull(apiKeys.revokedAt), isNotNull(recipients.verifiedAt)));
    if (!key) throw new ApiError("unauthorized", "Unknown or revoked API key", 401);
    c.set("identity", { kind: "system", ...key });
    return next();
  }
  if (bearer) {
    if (!adminToken || !(await sameSecret(bearer, adminToken))) throw new ApiError("unauthorized", "A valid bearer token is required", 401);
    c.set("identity", { kind: "admin", accountId: "acct_default" });
    return next();
  }
  if (c.var.config.access) {
    const email = await accessEmail(c.req.header("cf-access-jwt-assertion"), c.var.config.access);
    const user = email ? await userForAccess(c, email) : null;
    if (user) c.set("identity", { kind: "user", ...user, sessionId: "" });
    return next();
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (token && isToken(token)) {
    const [row] = await c.var.db
      .select({ userId: users.id, accountId: users.accountId, emailHash: users.emailHash, emailEnc: users.emailEnc, role: users.role, sessionId: sessions.id })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(and(eq(sessions.tokenHash, await sha256Hex(token)), gt(sessions.expiresAt, Date.now())));
    if (row) c.set("identity", { kind: "user", ...row });
  }
  return next();
};

export type Role = "owner" | "admin" | "member";
const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** Who acted, for the audit log: the operator's token or a user id (never an address). */
export interface Actor {
  accountId: string;
  actor: string;
  role: Role;
  /** The operator (bearer ADMIN_TOKEN) may also manage other accounts. */
  operator: boolean;
}

/**
 * The caller must hold at least `role` in its account. The operator's bearer token is the owner
 * of the operator's own account; a signed-in user has the role its account gave it.
 */
export function requireRole(c: Context<AppEnv>, role: Role): Actor {
  const identity = c.var.identity;
  if (identity?.kind === "admin") return { accountId: identity.accountId, actor: "operator", role: "owner", operator: true };
  if (identity?.kind !== "user") throw new ApiError("unauthorized", "Sign in or send a valid bearer token", 401);
  const user = requireUser(c);
  if (RANK[user.role] < RANK[role]) throw new ApiError("forbidden", `This needs the ${role} role`, 403);
  return { accountId: user.accountId, actor: `user:${user.userId}`, role: user.role, operator: false };
}

/** Manages addresses, recipients, forms and domains of its account. */
export function requireAdmin(c: Context<AppEnv>): Actor {
  return requireRole(c, "admin");
}

/** Only the operator's bearer token: creating and selling accounts. */
export function requireOperator(c: Context<AppEnv>): Actor {
  const actor = requireRole(c, "owner");
  if (!actor.operator) throw new ApiError("forbidden", "Only the operator may manage accounts", 403);
  return actor;
}

export function requireUser(c: Context<AppEnv>) {
  const identity = c.var.identity;
  if (identity?.kind !== "user") throw new ApiError("unauthorized", "Sign in first", 401);
  if (c.req.method !== "GET" && c.req.header(CSRF_HEADER) !== "1") throw new ApiError("csrf", `Missing ${CSRF_HEADER} header`, 403);
  return identity;
}

/**
 * Whoever may answer conversations: a signed-in person (all their recipient rows) or a system
 * with an API key (its one recipient). Keys are not cookies, so they need no CSRF header.
 */
export function requireCorrespondent(c: Context<AppEnv>): { emailHash: string; emailEnc: string; recipientId?: string; accountId?: string } {
  const identity = c.var.identity;
  if (identity?.kind === "system") return identity;
  return requireUser(c);
}

/** The user an Access identity maps to: only a verified recipient's address is one. */
async function userForAccess(c: Context<AppEnv>, email: string) {
  const { db, ring } = c.var;
  const emailHash = await ring.index(email);
  const [recipient] = await db
    .select({ accountId: publicAddresses.accountId })
    .from(recipients)
    .innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId))
    .where(and(eq(recipients.emailHash, emailHash), isNotNull(recipients.verifiedAt)));
  if (!recipient) return null;
  await db.insert(users).values({ id: randomToken(), accountId: recipient.accountId, emailHash, emailEnc: await ring.seal(email) }).onConflictDoNothing();
  const [user] = await db.select().from(users).where(and(eq(users.accountId, recipient.accountId), eq(users.emailHash, emailHash)));
  return { userId: user.id, accountId: user.accountId, emailHash: user.emailHash, emailEnc: user.emailEnc, role: user.role };
}
