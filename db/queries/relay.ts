/**
 * The relay's reads and writes, shaped as few D1 round trips as possible: each function is one
 * `db.batch` (atomic, one round trip).
 */
import { and, eq, getTableColumns, inArray, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../client";
import { accounts, contacts, deletedAliases, messageBodies, messages, outbox, plans, publicAddresses, recipients, reverseAliases, senderRules, usage } from "../schema";
import { chunk, rowsPerInsert } from "./chunks";

export type PublicAddressRow = typeof publicAddresses.$inferSelect;
export type RecipientRow = typeof recipients.$inferSelect;
export type NewContact = typeof contacts.$inferInsert;
export type NewAlias = typeof reverseAliases.$inferInsert;
export type NewMessage = typeof messages.$inferInsert;
export type NewOutbox = typeof outbox.$inferInsert;
export type NewBody = typeof messageBodies.$inferInsert;

export interface ContactAliasRow {
  contactId: string;
  emailHash: string;
  aliasId: string | null;
  recipientId: string | null;
  localPart: string | null;
  domain: string | null;
}

export interface ThreadRow {
  relayMessageId: string;
  originalMessageIdEnc: string | null;
  direction: "inbound" | "outbound";
  contactId: string;
  recipientId: string;
}

function publicAddressIdOf(address: string): SQL {
  return sql`(select ${publicAddresses.id} from ${publicAddresses} where ${publicAddresses.address} = ${address})`;
}

/**
 * Joined selects name every column distinctly: D1's batch returns rows as objects keyed by
 * column name, so two columns both called "id" would collapse into one.
 */
function as<T>(column: AnyColumn, name: string): SQL.Aliased<T> {
  return sql<T>`${column}`.as(name);
}

function contactAliasQuery(db: Db, paId: SQL, hashes: string[]) {
  return db
    .select({
      contactId: as<string>(contacts.id, "c_id"),
      emailHash: contacts.emailHash,
      aliasId: as<string | null>(reverseAliases.id, "a_id"),
      recipientId: reverseAliases.recipientId,
      localPart: reverseAliases.localPart,
      domain: reverseAliases.domain,
    })
    .from(contacts)
    .leftJoin(reverseAliases, eq(reverseAliases.contactId, contacts.id))
    .where(and(eq(contacts.publicAddressId, paId), inArray(contacts.emailHash, hashes)));
}

function threadQuery(db: Db, paId: SQL, relayIds: string[]) {
  return db
    .select({
      relayMessageId: messages.relayMessageId,
      originalMessageIdEnc: messages.originalMessageIdEnc,
      direction: messages.direction,
      contactId: reverseAliases.contactId,
      recipientId: reverseAliases.recipientId,
    })
    .from(messages)
    .innerJoin(reverseAliases, eq(reverseAliases.id, messages.aliasId))
    .where(and(eq(messages.publicAddressId, paId), inArray(messages.relayMessageId, relayIds)));
}

/** The public address with what its policies need: the plan's monthly cap, this month's count, whether an allow list exists. */
export type PolicyAddressRow = PublicAddressRow & { monthlyMessages: number | null; usedThisMonth: number | null; hasAllowRule: number };

function publicAddressQuery(db: Db, address: string, month: string) {
  return db
    .select({
      ...getTableColumns(publicAddresses),
      monthlyMessages: as<number | null>(plans.monthlyMessages, "plan_monthly"),
      usedThisMonth: as<number | null>(usage.messages, "used_month"),
      hasAllowRule: sql<number>`exists (select 1 from ${senderRules} where ${senderRules.publicAddressId} = ${publicAddresses.id} and ${senderRules.kind} = 'allow')`.as("has_allow"),
    })
    .from(publicAddresses)
    .innerJoin(accounts, eq(accounts.id, publicAddresses.accountId))
    .leftJoin(plans, eq(plans.id, accounts.plan))
    .leftJoin(usage, and(eq(usage.accountId, publicAddresses.accountId), eq(usage.month, month)))
    .where(eq(publicAddresses.address, address));
}

/**
 * Everything a forward needs, in one round trip: the public address with its plan, usage and
 * the sender rules matching this sender, its recipients, the contacts and aliases already
 * known, and the thread rows of relay IDs the message refers to.
 */
export async function loadForwardState(db: Db, address: string, contactHashes: string[], relayIds: string[], policy: { month: string; ruleHashes: string[] }) {
  const paId = publicAddressIdOf(address);
  const hashChunks = chunk(contactHashes, 90);
  const idChunks = chunk(relayIds, 90);
  // Every candidate pattern is looked up, in chunks (D1 binds at most 100 values a statement):
  // a cut-off list would let a blocked address hide behind enough other sender addresses.
  const ruleChunks = chunk(policy.ruleHashes.length ? policy.ruleHashes : [""], 90);
  const statements: BatchItem<"sqlite">[] = [
    publicAddressQuery(db, address, policy.month),
    db.select().from(recipients).where(eq(recipients.publicAddressId, paId)),
    ...ruleChunks.map((hashes) =>
      db
        .select({ kind: senderRules.kind, patternHash: senderRules.patternHash })
        .from(senderRules)
        .where(and(eq(senderRules.publicAddressId, paId), inArray(senderRules.patternHash, hashes))),
    ),
    ...hashChunks.map((h) => contactAliasQuery(db, paId, h)),
    ...idChunks.map((ids) => threadQuery(db, paId, ids)),
  ];
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][];
  const [pa, rcpts, ...more] = results;
  const rest = more.slice(ruleChunks.length);
  return {
    publicAddress: (pa[0] as PolicyAddressRow | undefined) ?? null,
    recipients: rcpts as RecipientRow[],
    senderRules: more.slice(0, ruleChunks.length).flat() as { kind: "allow" | "block"; patternHash: string }[],
    contactAliases: rest.slice(0, hashChunks.length).flat() as ContactAliasRow[],
    threads: rest.slice(hashChunks.length).flat() as ThreadRow[],
  };
}

export interface Records {
  /** New contacts and aliases: plain inserts, so one a concurrent message created first fails the whole batch. */
  contacts?: NewContact[];
  aliases?: NewAlias[];
  messages?: NewMessage[];
  bodies?: NewBody[];
  outbox?: NewOutbox[];
  touchAliasIds?: string[];
  /** Count one relayed message for the account's month, unless the outbox key `unlessQueued` is already stored (a retry). */
  usage?: { accountId: string; month: string; unlessQueued: string };
}

/**
 * Creates contacts and aliases, records message rows and their bodies, counts usage and queues
 * outbound mail — atomically, in one round trip (D1 has no interactive transactions; a batch is
 * one). Message and outbox rows have deterministic ids and idempotency keys, so a retried
 * delivery of the same message inserts and counts nothing; the ids of the outbox rows really
 * inserted are returned — send only those. A contact or alias that a concurrent message created
 * first fails the batch and rolls it back: the handler throws, the sending MTA retries, and the
 * retry reads the stored rows — so every copy names an alias that really exists.
 */
export async function recordAndQueue(db: Db, records: Records): Promise<Set<string>> {
  const statements: BatchItem<"sqlite">[] = [];
  for (const rows of chunk(records.contacts ?? [], rowsPerInsert(5))) statements.push(db.insert(contacts).values(rows));
  for (const rows of chunk(records.aliases ?? [], rowsPerInsert(6))) statements.push(db.insert(reverseAliases).values(rows));
  for (const rows of chunk(records.messages ?? [], rowsPerInsert(8))) statements.push(db.insert(messages).values(rows).onConflictDoNothing());
  for (const row of records.bodies ?? []) statements.push(db.insert(messageBodies).values(row).onConflictDoNothing());
  if (records.usage) statements.push(countUsage(db, records.usage));
  const firstOutbox = statements.length;
  for (const row of records.outbox ?? []) statements.push(db.insert(outbox).values(row).onConflictDoNothing().returning({ id: outbox.id }));
  const outboxCount = statements.length - firstOutbox;
  for (const ids of chunk(records.touchAliasIds ?? [], 90)) statements.push(db.update(reverseAliases).set({ lastUsedAt: Date.now() }).where(inArray(reverseAliases.id, ids)));
  if (!statements.length) return new Set();
  const results = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[];
  return new Set((results.slice(firstOutbox, firstOutbox + outboxCount) as { id: string }[][]).flat().map((r) => r.id));
}

/** +1 for the month; runs before the outbox rows go in, whose key tells a first delivery (1) from a retry (0). */
function countUsage(db: Db, u: NonNullable<Records["usage"]>) {
  const first = sql<number>`(case when exists (select 1 from ${outbox} where ${outbox.idempotencyKey} = ${u.unlessQueued}) then 0 else 1 end)`;
  return db
    .insert(usage)
    .values({ accountId: u.accountId, month: u.month, messages: first })
    .onConflictDoUpdate({ target: [usage.accountId, usage.month], set: { messages: sql`${usage.messages} + excluded.messages` } });
}

export interface ReplyMain {
  aliasId: string;
  aliasLocalPart: string;
  aliasDomain: string;
  recipientId: string;
  recipientEmailEnc: string;
  recipientVerifiedAt: number | null;
  contactId: string;
  contactEmailEnc: string;
  contactNameEnc: string | null;
  publicAddressId: string;
  publicAddress: string;
  publicDisplayName: string;
  publicDomain: string;
  publicStatus: "active" | "disabled";
  /** The address's own sender (outbox.via of its replies); null = the default. */
  publicMailer: string | null;
}

/** Everything a reply needs, in one round trip. */
export async function loadReplyState(db: Db, localPart: string, otherLocalParts: string[], relayIds: string[]) {
  const paId = sql`(select ${reverseAliases.publicAddressId} from ${reverseAliases} where ${reverseAliases.localPart} = ${localPart})`;
  const recipientId = sql`(select ${reverseAliases.recipientId} from ${reverseAliases} where ${reverseAliases.localPart} = ${localPart})`;
  const idChunks = chunk(relayIds, 90);
  // Every alias the reply also addresses, however many (one statement per 90: D1's bound-parameter limit).
  const otherChunks = chunk(otherLocalParts, 90);
  const statements: BatchItem<"sqlite">[] = [
    db
      .select({
        aliasId: as<string>(reverseAliases.id, "a_id"),
        aliasLocalPart: reverseAliases.localPart,
        aliasDomain: as<string>(reverseAliases.domain, "a_domain"),
        recipientId: as<string>(recipients.id, "r_id"),
        recipientEmailEnc: as<string>(recipients.emailEnc, "r_email"),
        recipientVerifiedAt: recipients.verifiedAt,
        contactId: as<string>(contacts.id, "c_id"),
        contactEmailEnc: as<string>(contacts.emailEnc, "c_email"),
        contactNameEnc: contacts.nameEnc,
        publicAddressId: as<string>(publicAddresses.id, "p_id"),
        publicAddress: publicAddresses.address,
        publicDisplayName: publicAddresses.displayName,
        publicDomain: as<string>(publicAddresses.domain, "p_domain"),
        publicStatus: publicAddresses.status,
        publicMailer: publicAddresses.mailer,
      })
      .from(reverseAliases)
      .innerJoin(recipients, eq(recipients.id, reverseAliases.recipientId))
      .innerJoin(contacts, eq(contacts.id, reverseAliases.contactId))
      .innerJoin(publicAddresses, eq(publicAddresses.id, reverseAliases.publicAddressId))
      .where(eq(reverseAliases.localPart, localPart)),
    db.select({ emailEnc: recipients.emailEnc }).from(recipients).where(eq(recipients.publicAddressId, paId)),
    ...otherChunks.map((localParts) =>
      db
        .select({ localPart: reverseAliases.localPart, contactId: as<string>(contacts.id, "c_id"), emailEnc: contacts.emailEnc, nameEnc: contacts.nameEnc })
        .from(reverseAliases)
        .innerJoin(contacts, eq(contacts.id, reverseAliases.contactId))
        .where(and(eq(reverseAliases.recipientId, recipientId), inArray(reverseAliases.localPart, localParts))),
    ),
    ...idChunks.map((ids) => threadQuery(db, paId, ids)),
  ];
  const [main, allRecipients, ...rest] = (await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]])) as unknown[][];
  return {
    main: (main[0] as ReplyMain | undefined) ?? null,
    recipientEmailsEnc: (allRecipients as { emailEnc: string }[]).map((r) => r.emailEnc),
    otherAliases: rest.slice(0, otherChunks.length).flat() as { localPart: string; contactId: string; emailEnc: string; nameEnc: string | null }[],
    threads: rest.slice(otherChunks.length).flat() as ThreadRow[],
  };
}

export async function isDeletedAlias(db: Db, aliasHash: string): Promise<boolean> {
  const rows = await db.select().from(deletedAliases).where(eq(deletedAliases.aliasHash, aliasHash)).limit(1);
  return rows.length > 0;
}
