/**
 * Plans and what an account uses of them. A NULL limit is unlimited. Counts are taken in one
 * query; the check runs just before the insert, so two concurrent creations can overshoot by
 * one — acceptable for seats sold per plan, and never a privacy problem.
 */
import { eq, sql } from "drizzle-orm";
import { ApiError } from "../../worker/errors";
import type { Db } from "../client";
import { accounts, plans } from "../schema";

export type Plan = typeof plans.$inferSelect;

export interface Usage {
  addresses: number;
  recipients: number;
  domains: number;
  /** Messages relayed this calendar month (UTC). */
  messages: number;
  month: string;
}

/** "2026-12": the usage table's month key, in UTC like the cron. */
export function monthKey(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** An account's counts, as subqueries correlated with the row of `accounts` being read. */
function usageColumns(month: string) {
  return {
    addresses: sql<number>`(SELECT count(*) FROM public_addresses WHERE account_id = ${accounts.id})`,
    recipients: sql<number>`(SELECT count(*) FROM recipients r JOIN public_addresses pa ON pa.id = r.public_address_id WHERE pa.account_id = ${accounts.id})`,
    domains: sql<number>`(SELECT count(*) FROM domains WHERE account_id = ${accounts.id})`,
    messages: sql<number>`coalesce((SELECT messages FROM usage WHERE account_id = ${accounts.id} AND month = ${month}), 0)`,
  };
}

export async function planAndUsage(db: Db, accountId: string, now = Date.now()): Promise<{ plan: Plan; usage: Usage }> {
  const month = monthKey(now);
  const [row] = await db
    .select({ plan: plans, ...usageColumns(month) })
    .from(accounts)
    .innerJoin(plans, eq(plans.id, accounts.plan))
    .where(eq(accounts.id, accountId));
  if (!row) throw new ApiError("not_found", "No such account", 404);
  const { plan, ...usage } = row;
  return { plan, usage: { ...usage, month } };
}

/** Every account with its plan and usage in one query (a query per account would grow with the customer list). */
export async function everyAccount(db: Db, now = Date.now()) {
  const month = monthKey(now);
  const rows = await db
    .select({ id: accounts.id, name: accounts.name, createdAt: accounts.createdAt, plan: plans, ...usageColumns(month) })
    .from(accounts)
    .innerJoin(plans, eq(plans.id, accounts.plan))
    .orderBy(accounts.createdAt);
  return rows.map(({ id, name, createdAt, plan, ...usage }) => ({ id, name, plan, usage: { ...usage, month }, createdAt }));
}

const LIMITS = {
  addresses: { column: "maxAddresses", noun: "public addresses" },
  recipients: { column: "maxRecipients", noun: "recipients" },
  domains: { column: "maxDomains", noun: "domains" },
} as const;

/**
 * Refuses with 403 `quota_<kind>` when adding `adding` more would exceed the plan, naming the
 * plan and its limit so the UI can say what to do.
 */
export async function assertQuota(db: Db, accountId: string, kind: keyof typeof LIMITS, adding = 1): Promise<Plan> {
  const { plan, usage } = await planAndUsage(db, accountId);
  const limit = plan[LIMITS[kind].column];
  if (limit !== null && usage[kind] + adding > limit) {
    throw new ApiError(`quota_${kind}`, `The ${plan.name} plan allows ${limit} ${LIMITS[kind].noun}; this account has ${usage[kind]}`, 403);
  }
  return plan;
}

/** The operator's own account routes its zones itself: no domain verification asked. */
export const OPERATOR_PLAN = "operator";
