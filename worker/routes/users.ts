/**
 * The people who manage an account: owners (everything, users included), admins (addresses,
 * recipients, forms, domains) and members (their own conversations). Members also appear on
 * their own when a verified recipient signs in, and go when its last recipient row in the account
 * does (db/queries/deletion.ts). An account always keeps at least one owner.
 */
import { and, eq, ne, or, sql } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { accounts, users } from "../../db/schema";
import { randomToken } from "../crypto/tokens";
import { ApiError } from "../errors";
import { unlessTaken } from "../../db/unique";
import type { AppEnv } from "./app-env";
import { record } from "./audit";
import { requireAdmin, requireRole, type Role } from "./identity";
import { mailSignInLink } from "./session";
import { emailField, readJson } from "./validate";

export const roleField = z.enum(["owner", "admin", "member"]);
export const inviteUserSchema = z.strictObject({ email: emailField, role: roleField.default("member") });
export const changeRoleSchema = z.strictObject({ role: roleField });

export const userRoutes = new Hono<AppEnv>();

userRoutes.get("/", async (c) => {
  const { accountId } = requireAdmin(c);
  const rows = await c.var.db.select().from(users).where(eq(users.accountId, accountId)).orderBy(users.createdAt);
  return c.json(await Promise.all(rows.map(async (u) => ({ id: u.id, email: await c.var.ring.open(u.emailEnc), role: u.role, createdAt: u.createdAt }))));
});

/** Adds a user and mails an invitation (a sign-in link valid for 7 days). */
userRoutes.post("/", async (c) => {
  const { accountId } = requireRole(c, "owner");
  const { email, role } = await readJson(c, inviteUserSchema);
  const user = await addUser(c, accountId, email, role);
  return c.json(user, 201);
});

export async function addUser(c: Context<AppEnv>, accountId: string, email: string, role: Role) {
  const { db, ring } = c.var;
  const emailHash = await ring.index(email);
  const [existing] = await db.select({ id: users.id }).from(users).where(and(eq(users.accountId, accountId), eq(users.emailHash, emailHash)));
  const exists = () => new ApiError("user_exists", "This person is already a user of the account", 409);
  if (existing) throw exists();
  const id = randomToken();
  await unlessTaken(db.insert(users).values({ id, accountId, emailHash, emailEnc: await ring.seal(email), role }), exists);
  const [account] = await db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId));
  await mailSignInLink(c.var, { userId: id, email, accountName: account.name, invitedAs: role }, (p) => c.executionCtx.waitUntil(p));
  await record(c, `user.invite:${role}`, id);
  return { id, email, role };
}

async function ownedUser(c: Context<AppEnv>, accountId: string) {
  const [row] = await c.var.db.select().from(users).where(and(eq(users.id, c.req.param("userId")!), eq(users.accountId, accountId)));
  if (!row) throw new ApiError("not_found", "No such user", 404);
  return row;
}

const lastOwner = () => new ApiError("last_owner", "An account needs at least one owner; make someone else owner first", 409);

/**
 * The condition under which a user may stop being an owner: it is not one, or another owner
 * remains. It goes into the write itself, not a read before it, so two owners demoting each
 * other at the same moment cannot both succeed and leave the account with nobody to manage users.
 */
function keepsAnOwner(accountId: string, userId: string) {
  const otherOwner = sql`exists (select 1 from users as others where others.account_id = ${accountId} and others.role = 'owner' and others.id <> ${userId})`;
  return or(ne(users.role, "owner"), otherOwner);
}

userRoutes.patch("/:userId", async (c) => {
  const { accountId } = requireRole(c, "owner");
  const { role } = await readJson(c, changeRoleSchema);
  const row = await ownedUser(c, accountId);
  const guard = role === "owner" ? undefined : keepsAnOwner(accountId, row.id);
  const changed = await c.var.db.update(users).set({ role }).where(and(eq(users.id, row.id), guard)).returning({ id: users.id });
  if (!changed.length) throw lastOwner();
  await record(c, `user.role:${role}`, row.id);
  return c.json({ id: row.id, email: await c.var.ring.open(row.emailEnc), role });
});

/** Removes the user and, by cascade, its sessions; recipient rows it answers for stay. */
userRoutes.delete("/:userId", async (c) => {
  const { accountId } = requireRole(c, "owner");
  const row = await ownedUser(c, accountId);
  const removed = await c.var.db.delete(users).where(and(eq(users.id, row.id), keepsAnOwner(accountId, row.id))).returning({ id: users.id });
  if (!removed.length) throw lastOwner();
  await record(c, "user.remove", row.id);
  return c.body(null, 204);
});
