/**
 * Complete deletion. Foreign keys cascade from a public address or recipient to its contacts,
 * aliases, messages and queued mail; before the rows go, a keyed hash of each alias is kept so
 * later mail to it is refused as "no longer exists" — and nothing else is kept.
 */
import { and, eq, inArray, isNotNull, not, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Keyring } from "../../worker/crypto/sealed";
import type { Db } from "../client";
import { accounts, contacts, deletedAliases, publicAddresses, recipients, reverseAliases, users } from "../schema";
import { chunk, rowsPerInsert } from "./chunks";

async function tombstones(db: Db, ring: Keyring, localParts: string[]): Promise<BatchItem<"sqlite">[]> {
  const hashes = await Promise.all(localParts.map((l) => ring.index(`alias:${l}`)));
  return chunk(hashes.map((aliasHash) => ({ aliasHash })), rowsPerInsert(1)).map((rows) => db.insert(deletedAliases).values(rows).onConflictDoNothing());
}

/**
 * Member users who were in the account only as the recipients `leaving` selects (routes/session.ts
 * makes one on a recipient's first sign-in) go with the last of their recipient rows there, and
 * their sessions with them (cascade): an officer rotated out must not go on signing in. Owners and
 * admins were made users in their own right and stay. One statement whatever the number of
 * recipients (no list of hashes to bind, so D1's 100-parameter limit never applies), to run in
 * the same batch just before the recipients are deleted.
 */
function formerRecipientMembers(db: Db, accountId: string, leaving: SQL): BatchItem<"sqlite"> {
  const recipientHere = (which: SQL) =>
    sql`exists (select 1 from ${recipients} inner join ${publicAddresses} on ${publicAddresses.id} = ${recipients.publicAddressId} where ${recipients.emailHash} = ${users.emailHash} and ${publicAddresses.accountId} = ${users.accountId} and ${which})`;
  return db.delete(users).where(and(eq(users.accountId, accountId), eq(users.role, "member"), recipientHere(leaving), not(recipientHere(sql`not (${leaving})`))));
}

export async function deletePublicAddress(db: Db, ring: Keyring, publicAddressId: string): Promise<void> {
  const [pa] = await db.select({ accountId: publicAddresses.accountId }).from(publicAddresses).where(eq(publicAddresses.id, publicAddressId));
  if (!pa) return;
  const aliases = await db.select({ localPart: reverseAliases.localPart }).from(reverseAliases).where(eq(reverseAliases.publicAddressId, publicAddressId));
  const statements = [
    ...(await tombstones(db, ring, aliases.map((a) => a.localPart))),
    formerRecipientMembers(db, pa.accountId, eq(recipients.publicAddressId, publicAddressId)),
    db.delete(publicAddresses).where(eq(publicAddresses.id, publicAddressId)),
  ];
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/**
 * Deletes an account and everything under it — addresses, recipients, contacts, aliases,
 * messages, bodies, queued mail, forms, users, sessions, domains, usage and its audit log — in
 * one batch, keeping only the keyed hashes of its aliases.
 */
export async function deleteAccount(db: Db, ring: Keyring, accountId: string): Promise<void> {
  const aliases = await db
    .select({ localPart: reverseAliases.localPart })
    .from(reverseAliases)
    .innerJoin(publicAddresses, eq(publicAddresses.id, reverseAliases.publicAddressId))
    .where(eq(publicAddresses.accountId, accountId));
  const statements = [...(await tombstones(db, ring, aliases.map((a) => a.localPart))), db.delete(accounts).where(eq(accounts.id, accountId))];
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

/**
 * Deletes a recipient and, with it, its aliases and their messages; contacts that no other
 * recipient still has an alias for go too (they exist only for this recipient's conversations),
 * and so does its member user if this was its last recipient row in the account.
 */
export async function deleteRecipient(db: Db, ring: Keyring, recipientId: string): Promise<void> {
  const [recipient] = await db.select({ accountId: publicAddresses.accountId }).from(recipients).innerJoin(publicAddresses, eq(publicAddresses.id, recipients.publicAddressId)).where(eq(recipients.id, recipientId));
  if (!recipient) return;
  const aliases = await db.select({ localPart: reverseAliases.localPart, contactId: reverseAliases.contactId }).from(reverseAliases).where(eq(reverseAliases.recipientId, recipientId));
  const contactIds = [...new Set(aliases.map((a) => a.contactId))];
  const statements: BatchItem<"sqlite">[] = [
    ...(await tombstones(db, ring, aliases.map((a) => a.localPart))),
    formerRecipientMembers(db, recipient.accountId, eq(recipients.id, recipientId)),
    db.delete(recipients).where(eq(recipients.id, recipientId)),
  ];
  for (const ids of chunk(contactIds, 90)) {
    statements.push(db.delete(contacts).where(sql`${inArray(contacts.id, ids)} and not exists (select 1 from ${reverseAliases} where ${reverseAliases.contactId} = ${contacts.id})`));
  }
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * Reverse aliases unused for longer than their public address's `alias_idle_days` go, with
 * their messages (cascade) — tombstoned like any deleted alias, so later mail to one is refused
 * as "no longer exists". Contacts left without any alias go too: their sealed address has no
 * conversation left to serve. At most `limit` aliases per run; the cron comes back.
 */
export async function purgeIdleAliases(db: Db, ring: Keyring, now: number, limit = 500): Promise<number> {
  const idleFor = sql`${reverseAliases.lastUsedAt} < ${now} - ${publicAddresses.aliasIdleDays} * ${DAY}`;
  const idle = await db
    .select({ id: reverseAliases.id, localPart: reverseAliases.localPart, contactId: reverseAliases.contactId })
    .from(reverseAliases)
    .innerJoin(publicAddresses, eq(publicAddresses.id, reverseAliases.publicAddressId))
    .where(and(isNotNull(publicAddresses.aliasIdleDays), idleFor))
    .limit(limit);
  if (!idle.length) return 0;
  const statements: BatchItem<"sqlite">[] = await tombstones(db, ring, idle.map((a) => a.localPart));
  for (const ids of chunk(idle.map((a) => a.id), 90)) statements.push(db.delete(reverseAliases).where(inArray(reverseAliases.id, ids)));
  for (const ids of chunk([...new Set(idle.map((a) => a.contactId))], 90)) {
    statements.push(db.delete(contacts).where(sql`${inArray(contacts.id, ids)} and not exists (select 1 from ${reverseAliases} where ${reverseAliases.contactId} = ${contacts.id})`));
  }
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return idle.length;
}
