import { Hono, type Context } from "hono";
import { audit, listAudit } from "../../db/queries/audit";
import type { AppEnv } from "./app-env";
import { requireAdmin, requireRole } from "./identity";

/** GET /api/audit (JSON) and /api/audit.csv — every admin action of the account. */
export const auditRoutes = new Hono<AppEnv>();

/** Entries with the acting user's address opened for the account's admins (who manage those users). */
async function entries(c: Context<AppEnv>) {
  const rows = await listAudit(c.var.db, requireAdmin(c).accountId);
  return Promise.all(rows.map(async ({ entry, actorEmailEnc }) => ({ ...entry, actorEmail: actorEmailEnc ? await c.var.ring.open(actorEmailEnc) : null })));
}

auditRoutes.get("/", async (c) => c.json(await entries(c)));

function csvCell(value: string | number): string {
  const text = String(value);
  // A leading =, +, - or @ would be a formula in a spreadsheet (CSV injection).
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function auditCsv(c: Context<AppEnv>) {
  const rows = await entries(c);
  const lines = [["time", "actor", "actor_email", "action", "target", "ip"], ...rows.map((r) => [new Date(r.createdAt).toISOString(), r.actor, r.actorEmail ?? "", r.action, r.target, r.ip])];
  c.header("content-type", "text/csv; charset=utf-8");
  c.header("content-disposition", 'attachment; filename="audit.csv"');
  return c.body(lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n");
}

/** Records an admin action of this request. */
export async function record(c: Context<AppEnv>, action: string, target = ""): Promise<void> {
  const { accountId, actor } = requireRole(c, "member");
  await audit(c.var.db, { accountId, actor, action, target, ip: c.req.header("cf-connecting-ip") ?? "" });
}

/**
 * The operator's action on another account: recorded in the operator's trail and in that
 * account's own, so its owners see who created it or changed its plan, and when (the
 * operator's network address stays in the operator's trail: it is not the tenant's to see).
 */
export async function recordOnAccount(c: Context<AppEnv>, action: string, accountId: string): Promise<void> {
  await record(c, action, accountId);
  const { accountId: own, actor } = requireRole(c, "member");
  if (accountId !== own) await audit(c.var.db, { accountId, actor, action, target: accountId });
}
