/**
 * Accounts (tenants) and plans. The operator (bearer ADMIN_TOKEN) creates accounts and sets
 * their plan; an account's owner renames or deletes it; its admins see its usage.
 */
import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { audit } from "../../db/queries/audit";
import { deleteAccount } from "../../db/queries/deletion";
import { everyAccount, OPERATOR_PLAN, planAndUsage } from "../../db/queries/plans";
import { accounts, plans } from "../../db/schema";
import { randomToken } from "../crypto/tokens";
import { ApiError } from "../errors";
import type { AppEnv } from "./app-env";
import { record, recordOnAccount } from "./audit";
import { requireAdmin, requireOperator, requireRole } from "./identity";
import { addUser } from "./users";
import { emailField, readJson, singleLine } from "./validate";

const OPERATOR_ACCOUNT = "acct_default";

export const createAccountSchema = z.strictObject({ name: singleLine(100).min(1), plan: z.string().max(40).default("free"), ownerEmail: emailField });
export const updateAccountSchema = z.strictObject({ name: singleLine(100).min(1).optional(), plan: z.string().max(40).optional() });
export const renameAccountSchema = z.strictObject({ name: singleLine(100).min(1) });
export const deleteAccountSchema = z.strictObject({ confirm: z.string().max(100) });

/** /api/account: the caller's own account. */
export const accountRoutes = new Hono<AppEnv>();
/** /api/accounts: every account, for the operator. */
export const operatorAccountRoutes = new Hono<AppEnv>();
/** /api/plans: what is on sale. */
export const planRoutes = new Hono<AppEnv>();

async function describe(c: Context<AppEnv>, accountId: string) {
  const [account] = await c.var.db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) throw new ApiError("not_found", "No such account", 404);
  const { plan, usage } = await planAndUsage(c.var.db, accountId);
  return { id: account.id, name: account.name, plan, usage, createdAt: account.createdAt };
}

/**
 * The `operator` plan skips domain verification (routes/addresses.ts): it is the operator's own
 * account's alone, and that account keeps it, so no tenant can take addresses on another's domain.
 */
async function assertPlan(c: Context<AppEnv>, planId: string, accountId?: string) {
  if ((planId === OPERATOR_PLAN) !== (accountId === OPERATOR_ACCOUNT)) {
    throw new ApiError("operator_account", accountId === OPERATOR_ACCOUNT ? "The operator's own account keeps the operator plan" : "The operator plan is the operator's own account's alone", 409);
  }
  const [plan] = await c.var.db.select({ id: plans.id }).from(plans).where(eq(plans.id, planId));
  if (!plan) throw new ApiError("unknown_plan", `No plan "${planId}"; see GET /api/plans`, 400);
}

planRoutes.get("/", async (c) => {
  requireRole(c, "member");
  return c.json(await c.var.db.select().from(plans).orderBy(plans.id));
});

accountRoutes.get("/", async (c) => c.json(await describe(c, requireAdmin(c).accountId)));

accountRoutes.patch("/", async (c) => {
  const { accountId } = requireRole(c, "owner");
  const { name } = await readJson(c, renameAccountSchema);
  await c.var.db.update(accounts).set({ name }).where(eq(accounts.id, accountId));
  await record(c, "account.rename", accountId);
  return c.json(await describe(c, accountId));
});

/** The owner ends the account: the body must repeat its name, so a stray request cannot. */
accountRoutes.delete("/", async (c) => {
  const { accountId, actor } = requireRole(c, "owner");
  const { confirm } = await readJson(c, deleteAccountSchema);
  if (accountId === OPERATOR_ACCOUNT) throw new ApiError("operator_account", "The operator's own account cannot be deleted", 409);
  const [account] = await c.var.db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, accountId));
  if (confirm !== account.name) throw new ApiError("confirmation_mismatch", "Type the account's name exactly to confirm", 400);
  await deleteAccount(c.var.db, c.var.ring, accountId);
  // The account's own audit log goes with it: the operator's keeps the one trace that the owner ended it.
  await audit(c.var.db, { accountId: OPERATOR_ACCOUNT, actor, action: "account.delete", target: accountId, ip: c.req.header("cf-connecting-ip") ?? "" });
  return c.body(null, 204);
});

operatorAccountRoutes.get("/", async (c) => {
  requireOperator(c);
  return c.json(await everyAccount(c.var.db));
});

/** A new tenant with its first owner, who gets an invitation by mail. */
operatorAccountRoutes.post("/", async (c) => {
  requireOperator(c);
  const body = await readJson(c, createAccountSchema);
  await assertPlan(c, body.plan);
  const id = `acct_${randomToken(12)}`;
  await c.var.db.insert(accounts).values({ id, name: body.name, plan: body.plan });
  const owner = await addUser(c, id, body.ownerEmail, "owner");
  await recordOnAccount(c, "account.create", id);
  return c.json({ ...(await describe(c, id)), owner }, 201);
});

operatorAccountRoutes.patch("/:accountId", async (c) => {
  requireOperator(c);
  const body = await readJson(c, updateAccountSchema);
  if (Object.keys(body).length === 0) throw new ApiError("empty_update", "Send at least one field to change", 400);
  if (body.plan !== undefined) await assertPlan(c, body.plan, c.req.param("accountId"));
  const [row] = await c.var.db.update(accounts).set(body).where(eq(accounts.id, c.req.param("accountId"))).returning({ id: accounts.id });
  if (!row) throw new ApiError("not_found", "No such account", 404);
  await recordOnAccount(c, `account.update:${Object.keys(body).sort().join(",")}`, row.id);
  return c.json(await describe(c, row.id));
});

operatorAccountRoutes.delete("/:accountId", async (c) => {
  requireOperator(c);
  const accountId = c.req.param("accountId");
  if (accountId === OPERATOR_ACCOUNT) throw new ApiError("operator_account", "The operator's own account cannot be deleted", 409);
  const [row] = await c.var.db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId));
  if (!row) throw new ApiError("not_found", "No such account", 404);
  await deleteAccount(c.var.db, c.var.ring, accountId);
  await record(c, "account.delete", accountId);
  return c.body(null, 204);
});
