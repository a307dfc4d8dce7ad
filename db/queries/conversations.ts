/** The web UI's reads: a user's conversations (one per reverse alias) and their messages. */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../client";
import { messages } from "../schema";

export interface ConversationRow {
  aliasId: string;
  localPart: string;
  aliasDomain: string;
  publicAddress: string;
  publicName: string;
  contactNameEnc: string | null;
  lastAt: number;
  unread: number;
  subject: string;
  messageCount: number;
}

/**
 * Whose conversations: a person's (every verified recipient row with this blind index, within
 * the account they signed in to) or a system's (its one recipient).
 */
export interface CorrespondentScope {
  emailHash: string;
  recipientId?: string;
  accountId?: string;
}

/** Conversations of the scope's verified recipient rows. */
export async function listConversations(db: Db, scope: CorrespondentScope, aliasId?: string): Promise<ConversationRow[]> {
  const { emailHash, recipientId, accountId } = scope;
  return db.all<ConversationRow>(sql`
    SELECT a.id AS aliasId, a.local_part AS localPart, a.domain AS aliasDomain,
           pa.address AS publicAddress, pa.display_name AS publicName, c.name_enc AS contactNameEnc,
           max(m.created_at) AS lastAt,
           sum(CASE WHEN m.direction = 'inbound' AND m.read_at IS NULL THEN 1 ELSE 0 END) AS unread,
           (SELECT m2.subject FROM messages m2 WHERE m2.alias_id = a.id ORDER BY m2.created_at DESC LIMIT 1) AS subject,
           count(m.id) AS messageCount
    FROM reverse_aliases a
    JOIN recipients r ON r.id = a.recipient_id
    JOIN public_addresses pa ON pa.id = a.public_address_id
    JOIN contacts c ON c.id = a.contact_id
    JOIN messages m ON m.alias_id = a.id
    WHERE r.email_hash = ${emailHash} AND r.verified_at IS NOT NULL ${aliasId === undefined ? sql`` : sql`AND a.id = ${aliasId}`} ${recipientId === undefined ? sql`` : sql`AND r.id = ${recipientId}`} ${accountId === undefined ? sql`` : sql`AND pa.account_id = ${accountId}`}
    GROUP BY a.id
    ORDER BY lastAt DESC`);
}

/** The conversation if it belongs to this user, else null (no hint whether it exists). */
export async function findOwnConversation(db: Db, scope: CorrespondentScope, aliasId: string): Promise<ConversationRow | null> {
  const [row] = await listConversations(db, scope, aliasId);
  return row ?? null;
}

export interface ThreadMessageRow {
  id: string;
  direction: "inbound" | "outbound";
  subject: string;
  relayMessageId: string;
  createdAt: number;
  readAt: number | null;
  fromNameEnc: string | null;
  textEnc: string | null;
  htmlEnc: string | null;
  attachments: string | null;
  state: string | null;
  attempts: number | null;
  lastError: string | null;
}

export async function threadMessages(db: Db, aliasId: string): Promise<ThreadMessageRow[]> {
  return db.all<ThreadMessageRow>(sql`
    SELECT m.id, m.direction, m.subject, m.relay_message_id AS relayMessageId, m.created_at AS createdAt, m.read_at AS readAt,
           b.from_name_enc AS fromNameEnc, b.text_enc AS textEnc, b.html_enc AS htmlEnc, b.attachments,
           o.state, o.attempts, o.last_error AS lastError
    FROM messages m LEFT JOIN message_bodies b ON b.message_id = m.id
    LEFT JOIN outbox o ON o.id = (SELECT o2.id FROM outbox o2 WHERE o2.message_id = m.id ORDER BY o2.created_at DESC LIMIT 1)
    WHERE m.alias_id = ${aliasId}
    ORDER BY m.created_at ASC`);
}

export async function markRead(db: Db, aliasId: string): Promise<void> {
  await db.update(messages).set({ readAt: Date.now() }).where(and(eq(messages.aliasId, aliasId), eq(messages.direction, "inbound"), isNull(messages.readAt)));
}
