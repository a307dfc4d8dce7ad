/** The audit trail of admin actions. Targets are ids, never addresses. */
import { desc, eq } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog } from "../schema";

export interface AuditEntry {
  accountId: string;
  actor: string;
  action: string;
  target?: string;
  ip?: string;
}

function id(): string {
  return crypto.randomUUID();
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({ id: id(), accountId: entry.accountId, actor: entry.actor, action: entry.action, target: entry.target ?? "", ip: entry.ip ?? "" });
}

export async function listAudit(db: Db, accountId: string, limit = 1000) {
  return db.select().from(auditLog).where(eq(auditLog.accountId, accountId)).orderBy(desc(auditLog.createdAt)).limit(limit);
}
