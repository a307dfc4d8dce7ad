import { Hono, type Context } from "hono";
import { audit, listAudit } from "../../db/queries/audit";
import type { AppEnv } from "./app-env";
import { requireAdmin } from "./identity";

/** GET /api/audit (JSON) and /api/audit.csv — every admin action of the account. */
export const auditRoutes = new Hono<AppEnv>();

auditRoutes.get("/", async (c) => c.json(await listAudit(c.var.db, requireAdmin(c).accountId)));

function csvCell(value: string | number): string {
  const text = String(value);
  // A leading =, +, - or @ would be a formula in a spreadsheet (CSV injection).
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function auditCsv(c: Context<AppEnv>) {
  const rows = await listAudit(c.var.db, requireAdmin(c).accountId);
  const lines = [["time", "actor", "action", "target", "ip"], ...rows.map((r) => [new Date(r.createdAt).toISOString(), r.actor, r.action, r.target, r.ip])];
  c.header("content-type", "text/csv; charset=utf-8");
  c.header("content-disposition", 'attachment; filename="audit.csv"');
  return c.body(lines.map((l) => l.map(csvCell).join(",")).join("\r\n") + "\r\n");
}

/** Records an admin action of this request. */
export async function record(c: Context<AppEnv>, action: string, target = ""): Promise<void> {
  const { accountId } = requireAdmin(c);
  await audit(c.var.db, { accountId, actor: "admin-token", action, target, ip: c.req.header("cf-connecting-ip") ?? "" });
}
