/**
 * The durable outbox: rows are written (state "queued") in the same batch as the message log,
 * then handed to the mailer after the SMTP transaction, in waitUntil. Nothing is dropped: a
 * failure is recorded with its reason.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { outbox } from "../../db/schema";
import { toBase64, type Keyring } from "../crypto/sealed";
import type { Mailer } from "./mailer";

export interface QueuedMail {
  id: string;
  from: string;
  to: string;
  raw: Uint8Array;
}

/**
 * Sends queued rows and records every outcome in one batch. Errors never escape (they are
 * states), and a failure reason is stored without any address in it.
 */
export async function sendQueued(db: Db, mailer: Mailer, mails: QueuedMail[]): Promise<void> {
  const now = Date.now();
  const updates = [];
  for (const mail of mails) {
    let result;
    try {
      result = await mailer.send({ from: mail.from, to: mail.to, raw: mail.raw });
    } catch (error) {
      result = { ok: false as const, permanent: false, error: error instanceof Error ? error.message : "send failed" };
    }
    updates.push(
      db
        .update(outbox)
        .set(
          result.ok
            ? { state: "sent", attempts: 1, updatedAt: now, lastError: null }
            : { state: result.permanent ? "failed-permanent" : "failed-temporary", attempts: 1, updatedAt: now, lastError: result.error.replace(/[^\s<>()",;:]+@[^\s<>()",;:]+/g, "[address]"), nextAttemptAt: now + 60_000 },
        )
        .where(and(eq(outbox.id, mail.id), eq(outbox.state, "queued"))),
    );
  }
  if (updates.length) await db.batch(updates as [(typeof updates)[0], ...typeof updates]);
}

/** Decrypts outbox rows for the local sink API. */
export async function readOutbox(db: Db, ring: Keyring, limit = 100) {
  const rows = await db.select().from(outbox).orderBy(desc(outbox.createdAt), desc(sql`rowid`)).limit(limit);
  return Promise.all(
    rows.map(async (row) => {
      const raw = await openRaw(ring, row.rawEnc);
      return {
      id: row.id,
      kind: row.kind,
      state: row.state,
      envelopeFrom: row.envelopeFrom,
      envelopeTo: await ring.open(row.envelopeToEnc),
        /** The message as text (8-bit parts in other charsets show as replacement characters). */
        raw: new TextDecoder().decode(raw),
        /** The exact bytes. */
        rawBase64: toBase64(raw),
        lastError: row.lastError,
        createdAt: row.createdAt,
      };
    }),
  );
}

export async function sealRaw(ring: Keyring, raw: Uint8Array): Promise<string> {
  return toBase64(await ring.sealBytes(raw));
}

export async function openRaw(ring: Keyring, sealed: string): Promise<Uint8Array> {
  return ring.openBytes(Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0)));
}
