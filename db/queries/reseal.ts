/**
 * Re-sealing at rest after a DATA_KEY rotation (issue #9): every sealed column, rewritten under
 * the current key in bounded chunks. Only ciphertext changes — blind indexes and alias tags use
 * the separate, stable index key — so rows can be rewritten one by one while the relay runs.
 */
import { and, asc, count, eq, gt, or, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { SealedValueError, type Keyring } from "../../worker/crypto/sealed";
import type { Db } from "../client";
import { contacts, messageBodies, messages, outbox, pendingSubmissions, publicAddresses, recipients, senderRules, users } from "../schema";

interface SealedTable {
  name: string;
  table: SQLiteTable;
  key: SQLiteColumn;
  /** Every sealed column of the table, by its property name in db/schema.ts. */
  columns: Record<string, SQLiteColumn>;
  /** Rows per query: tables holding raw MIME or bodies get small pages (workers have 128 MB). */
  pageSize: number;
}

/** Every `*_enc` column in db/schema.ts (a test checks that none is missing). */
export const SEALED_TABLES: SealedTable[] = [
  { name: "users", table: users, key: users.id, columns: { emailEnc: users.emailEnc }, pageSize: 50 },
  { name: "public_addresses", table: publicAddresses, key: publicAddresses.id, columns: { smtpEnc: publicAddresses.smtpEnc }, pageSize: 50 },
  { name: "recipients", table: recipients, key: recipients.id, columns: { emailEnc: recipients.emailEnc, webhookSecretEnc: recipients.webhookSecretEnc }, pageSize: 50 },
  { name: "sender_rules", table: senderRules, key: senderRules.id, columns: { patternEnc: senderRules.patternEnc }, pageSize: 50 },
  { name: "contacts", table: contacts, key: contacts.id, columns: { emailEnc: contacts.emailEnc, nameEnc: contacts.nameEnc }, pageSize: 50 },
  { name: "messages", table: messages, key: messages.id, columns: { originalMessageIdEnc: messages.originalMessageIdEnc }, pageSize: 50 },
  { name: "message_bodies", table: messageBodies, key: messageBodies.messageId, columns: { fromNameEnc: messageBodies.fromNameEnc, textEnc: messageBodies.textEnc, htmlEnc: messageBodies.htmlEnc }, pageSize: 10 },
  { name: "outbox", table: outbox, key: outbox.id, columns: { envelopeToEnc: outbox.envelopeToEnc, rawEnc: outbox.rawEnc }, pageSize: 10 },
  { name: "pending_submissions", table: pendingSubmissions, key: pendingSubmissions.tokenHash, columns: { emailEnc: pendingSubmissions.emailEnc, rawEnc: pendingSubmissions.rawEnc }, pageSize: 10 },
];

/** Pages read per call at most, so unreadable rows (skipped) cannot make one call unbounded. */
const MAX_PAGES = 25;

/** A value not sealed under the current key: another key id, or bare base64 from before key ids. */
function stale(column: SQLiteColumn, prefix: string): SQL {
  return sql`(${column} IS NOT NULL AND substr(${column}, 1, ${prefix.length}) <> ${prefix})`;
}

function staleRow(t: SealedTable, prefix: string): SQL {
  return or(...Object.values(t.columns).map((c) => stale(c, prefix)))!;
}

export interface ResealChunk {
  /** Rows rewritten under the current key. */
  resealed: number;
  /** Rows with a value no configured key opens (skipped, logged). */
  unreadable: number;
}

/**
 * Re-seals up to `budget` rows under the current key. Each row is written with a guard on its
 * old values, so a row changed meanwhile is left for the next chunk rather than overwritten.
 */
export async function resealChunk(db: Db, ring: Keyring, budget: number): Promise<ResealChunk> {
  const prefix = `${ring.keyId}:`;
  let resealed = 0;
  let unreadable = 0;
  let pages = 0;
  const failures = new Map<string, number>();
  for (const t of SEALED_TABLES) {
    let cursor = "";
    while (resealed < budget && pages < MAX_PAGES) {
      pages++;
      const limit = Math.min(t.pageSize, budget - resealed);
      const rows = (await db
        .select({ key: t.key, ...t.columns })
        .from(t.table)
        .where(and(gt(t.key, cursor), staleRow(t, prefix)))
        .orderBy(asc(t.key))
        .limit(limit)) as Record<string, string | null>[];
      const updates: BatchItem<"sqlite">[] = [];
      for (const row of rows) {
        const next: Record<string, string> = {};
        const guards: SQL[] = [];
        let failed = false;
        for (const [prop, column] of Object.entries(t.columns)) {
          const value = row[prop];
          if (value === null || ring.isCurrent(value)) continue;
          try {
            next[prop] = await ring.reseal(value);
            guards.push(eq(column, value));
          } catch (error) {
            if (!(error instanceof SealedValueError)) throw error;
            failed = true;
            const label = `${t.name}:${error.reason}:${error.keyId}`;
            failures.set(label, (failures.get(label) ?? 0) + 1);
          }
        }
        if (failed) unreadable++;
        if (guards.length) updates.push(db.update(t.table).set(next as never).where(and(eq(t.key, row.key!), ...guards)));
      }
      if (updates.length) await db.batch(updates as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
      resealed += updates.length;
      if (rows.length < limit) break;
      cursor = rows[rows.length - 1].key!;
    }
  }
  for (const [label, rows] of failures) {
    const [table, reason, keyId] = label.split(":");
    // Key ids and counts only: the values themselves are personal data.
    console.error(JSON.stringify({ event: "sealed_value_unreadable", where: "reseal", table, reason, keyId, rows }));
  }
  return { resealed, unreadable };
}

/** Rows that still hold a value not sealed under the current key (unreadable ones included). */
export async function countStale(db: Db, ring: Keyring): Promise<number> {
  const prefix = `${ring.keyId}:`;
  const counts = SEALED_TABLES.map((t) => db.select({ n: count() }).from(t.table).where(staleRow(t, prefix)));
  const results = await db.batch(counts as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return (results as { n: number }[][]).reduce((sum, [row]) => sum + (row?.n ?? 0), 0);
}
