/** The audit trail of admin actions. Targets are ids, never addresses. */
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { auditLog, users } from "../schema";

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

/** Newest first, with the acting user's sealed address when the actor is a user ("user:<id>"). */
export async function listAudit(db: Db, accountId: string, limit = 1000) {
  return db
    .select({ entry: auditLog, actorEmailEnc: users.emailEnc })
    .from(auditLog)
    .leftJoin(users, sql`${auditLog.actor} = 'user:' || ${users.id}`)
    .where(eq(auditLog.accountId, accountId))
    // rowid breaks ties within one millisecond: the order the actions were recorded in.
    .orderBy(desc(auditLog.createdAt), sql`audit_log.rowid desc`)
    .limit(limit);
}
