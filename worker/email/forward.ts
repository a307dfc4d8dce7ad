/**
 * Inbound mail to a public address → one anonymised copy per verified recipient. Every external
 * address in From, Reply-To, To and Cc becomes a contact with its own reverse alias for each
 * recipient, so reply-all works and nothing reveals a real address.
 */
import { loadForwardState, recordAndQueue, type ContactAliasRow, type ThreadRow, type NewAlias, type NewBody, type NewContact, type NewMessage, type NewOutbox, type PublicAddressRow, type RecipientRow } from "../../db/queries/relay";
import { monthKey } from "../../db/queries/plans";
import { capRefusal, patternIndex, patternsFor, senderRefusal } from "./sender-policy";
import { mintAliasLocalPart, randomToken } from "../crypto/tokens";
import { sealRaw, sendQueued, type QueuedMail } from "../mail/deliver";
import { replaceAddresses, withoutSubaddress, type AddressResolver } from "../mime/addresses-in-text";
import { normalizeAddress, parseAddressList, scrubDisplayName, type Mailbox } from "../mime/address";
import { decodeEncodedWords } from "../mime/encoded-words";
import { formatHeader, headerValue, type HeaderField } from "../mime/headers";
import { reject, type InboundMail, type RelayContext, type Verdict } from "./context";
import { formatAddressList } from "./header-policy";
import { renderCopy } from "./render-copy";
import { sealBody } from "./bodies";
import { sendWebhooks, webhookCopy, type QueuedWebhook } from "./webhook-copy";
import { summarize } from "../mime/summary";
import { isBounceSender } from "./loops";
import { idDomain, messageIds, messageRowId, relayMessageId, trimReferences } from "./threading";

/** More external addresses than this in one message are not turned into contacts. */
export const MAX_CONTACTS_PER_MESSAGE = 250;
/** What the relay shows in place of any address in a bounce it passes on. */
export const HIDDEN_ADDRESS = "hidden@address.invalid";

interface Participant extends Mailbox {
  key: string;
  role: "from" | "reply-to" | "to" | "cc";
}

export async function forwardToRecipients(ctx: RelayContext, mail: InboundMail, publicAddress: string): Promise<Verdict> {
  const fields = mail.message.root.fields;
  const bounce = isBounceSender(mail.envelopeFrom);
  const domain = publicAddress.split("@")[1];
  const relayDomains = new Set([domain, ctx.config.aliasDomain].filter(Boolean));
  const isRelayAddress = (address: string) => relayDomains.has(address.split("@")[1]);

  const from = parseAddressList(headerValue(fields, "from"))[0] ?? (bounce ? null : { name: "", address: mail.envelopeFrom });
  if (!bounce && (!from || isRelayAddress(normalizeAddress(from.address)))) {
    return reject(from ? "554 5.4.6 Mail from the relay's own addresses is not accepted (loop)" : "550 5.1.7 The message has no sender address");
  }
  const participants = bounce ? [] : collectParticipants(fields, from!, isRelayAddress);
  const hashes = await Promise.all(participants.map((p) => ctx.ring.index(p.key)));
  const refs = [...messageIds(headerValue(fields, "in-reply-to")), ...messageIds(headerValue(fields, "references"))];
  const ownRefs = refs.filter((id) => relayDomains.has(idDomain(id)));

  // Allow rules vouch for the sender; block rules refuse anyone the message speaks for or
  // would send answers to (sender-policy.ts).
  const senders = [from ? from.address : "", mail.envelopeFrom].filter(Boolean);
  const answered = ["from", "sender", "reply-to"].flatMap((name) => fields.filter((f) => f.key === name).flatMap((f) => parseAddressList(f.value).map((m) => m.address)));
  const allowPatterns = [...new Set(senders.flatMap(patternsFor))];
  const blockPatterns = [...new Set([...senders, ...answered].flatMap(patternsFor))];
  const hashOf = new Map(await Promise.all(blockPatterns.map(async (p) => [p, await patternIndex(ctx.ring, p)] as const)));
  const senderHashes = [...hashOf.values()];
  const month = monthKey();

  const state = await loadForwardState(ctx.db, publicAddress, [...new Set(hashes)], ownRefs, { month, ruleHashes: senderHashes });
  if (!state.publicAddress) return reject("550 5.1.1 No such address here");
  if (state.publicAddress.status !== "active") return reject("550 5.2.1 This address is not accepting mail at the moment");
  const ruleHashes = { block: new Set(senderHashes), allow: new Set(allowPatterns.map((p) => hashOf.get(p)!)) };
  const refusal = senderRefusal(state.publicAddress, state.senderRules, ruleHashes) ?? capRefusal(state.publicAddress);
  if (refusal) return reject(refusal);
  // Mailboxes get a rewritten copy; webhook recipients the same view as signed JSON (webhook-copy.ts).
  const active = state.recipients.filter((r) => r.verifiedAt !== null);
  if (!active.length) return reject("550 5.2.1 This address has no active recipients");
  const pa = state.publicAddress;
  const aliasDomain = ctx.config.aliasDomain || pa.domain;

  const { rows, newContacts, newAliases } = await planAliases(ctx, pa, active, participants, hashes, state.contactAliases, aliasDomain);
  const recipientEmails = await Promise.all(active.map((r) => ctx.ring.open(r.emailEnc)));
  const originalId = messageIds(headerValue(fields, "message-id"))[0];
  const relayId = await relayMessageId(ctx.ring, originalId, pa.domain);
  const originalIdEnc = originalId ? await ctx.ring.seal(originalId) : null;

  const summary = summarize(mail.message.src, mail.message.root);
  const messageRows: NewMessage[] = [];
  const bodies: NewBody[] = [];
  const outboxRows: NewOutbox[] = [];
  const queued: QueuedMail[] = [];
  const hooks: QueuedWebhook[] = [];
  for (const [i, recipient] of active.entries()) {
    const aliasOf = aliasLookup(rows, participants, hashes, recipient.id);
    const resolve: AddressResolver = bounce
      ? (address) => (isRelayAddress(address) ? null : HIDDEN_ADDRESS)
      : (address) => aliasOf.get(address) ?? aliasOf.get(withoutSubaddress(address)) ?? null;
    const senderAlias = bounce ? pa.address : aliasOf.get(normalizeAddress(from!.address))!;
    const subject = decodeEncodedWords(headerValue(fields, "subject") ?? "");
    const aliasId = bounce ? null : rows.find((r) => r.localPart === senderAlias.split("@")[0])!.aliasId!;
    const messageId = aliasId ? await messageRowId(ctx.ring, aliasId, relayId, "inbound") : randomToken();
    if (aliasId) {
      messageRows.push({ id: messageId, publicAddressId: pa.id, aliasId, direction: "inbound", subject: replaceAddresses(subject, resolve), relayMessageId: relayId, originalMessageIdEnc: originalIdEnc });
      bodies.push(await sealBody(ctx.ring, messageId, from!.name, summary, resolve));
    }
    if (recipient.kind === "webhook") {
      const hook = await webhookCopy(ctx, {
        recipient,
        url: recipientEmails[i],
        publicAddressId: pa.id,
        messageId: aliasId ? messageId : null,
        idempotencyKey: `fwd:${relayId}:${recipient.id}`,
        envelopeFrom: senderAlias,
        reverseAlias: bounce ? null : senderAlias,
        conversationId: aliasId,
        fromName: bounce ? "Mail Delivery System" : from!.name,
        subject: replaceAddresses(subject, resolve),
        relayMessageId: relayId,
        summary,
        resolve,
      });
      if (hook) {
        outboxRows.push(hook.row);
        hooks.push(hook.queued);
      }
      continue;
    }
    const thread = await mapThreadForward(ctx, fields, state.threads, recipient.id, pa.domain, relayDomains);
    const raw = renderCopy(
      mail.message,
      {
        from: bounce ? `"Mail Delivery System" <${pa.address}>` : formatAddressList([{ name: from!.name, address: senderAlias }]),
        to: toList(participants, pa, aliasOf),
        cc: ccList(participants, aliasOf),
        replyTo: bounce ? undefined : replyToAlias(participants, aliasOf, senderAlias),
        messageId: relayId,
        thread,
      },
      resolve,
      { banner: pa.noticeBanner },
    );
    const outboxId = randomToken();
    outboxRows.push({
      id: outboxId,
      idempotencyKey: `fwd:${relayId}:${recipient.id}`,
      kind: bounce ? "notice" : "relay",
      publicAddressId: pa.id,
      recipientId: recipient.id,
      messageId: aliasId ? messageId : null,
      envelopeFrom: senderAlias,
      envelopeToEnc: await ctx.ring.seal(recipientEmails[i]),
      rawEnc: await sealRaw(ctx.ring, raw),
    });
    queued.push({ id: outboxId, from: senderAlias, to: recipientEmails[i], raw });
  }
  // Only webhooks that cannot sign (no secret): nobody can be given the message.
  if (!outboxRows.length) return reject("550 5.2.1 This address has no active recipients");
  const inserted = await recordAndQueue(ctx.db, {
    contacts: newContacts,
    aliases: newAliases,
    messages: messageRows,
    bodies,
    outbox: outboxRows,
    touchAliasIds: [...new Set(messageRows.map((m) => m.aliasId))],
    usage: { accountId: pa.accountId, month, unlessQueued: outboxRows[0].idempotencyKey },
  });
  ctx.waitUntil(sendQueued(ctx.db, ctx.mailer, queued.filter((q) => inserted.has(q.id))));
  if (hooks.length) ctx.waitUntil(sendWebhooks(ctx, hooks.filter((h) => inserted.has(h.id))));
  return { kind: "relayed", copies: queued.length + hooks.length, messageIds: messageRows.map((m) => m.id) };
}

/** Every external mailbox of the message, by field, sender first. */
function collectParticipants(fields: HeaderField[], from: Mailbox, isRelayAddress: (a: string) => boolean): Participant[] {
  const out: Participant[] = [];
  const add = (mailbox: Mailbox, role: Participant["role"]) => {
    const key = normalizeAddress(mailbox.address);
    if (isRelayAddress(key) || out.length >= MAX_CONTACTS_PER_MESSAGE) return;
    // The same address in several fields is one contact (ensureAliases de-duplicates by hash);
    // each field still lists it where the author put it.
    out.push({ ...mailbox, key, role });
  };
  add(from, "from");
  for (const m of parseAddressList(headerValue(fields, "reply-to"))) add(m, "reply-to");
  for (const m of parseAddressList(headerValue(fields, "to"))) add(m, "to");
  for (const m of parseAddressList(headerValue(fields, "cc"))) add(m, "cc");
  return out;
}

/**
 * The contacts and reverse aliases that do not exist yet, minted here and inserted with the
 * message records (one round trip); returns them with the stored ones, as every copy will name them.
 */
async function planAliases(ctx: RelayContext, pa: PublicAddressRow, active: RecipientRow[], participants: Participant[], hashes: string[], existing: ContactAliasRow[], aliasDomain: string) {
  const contactIdByHash = new Map(existing.map((r) => [r.emailHash, r.contactId]));
  const newContacts: NewContact[] = [];
  const newAliases: NewAlias[] = [];
  const rows = [...existing];
  const seenHashes = new Set<string>();
  for (const [i, participant] of participants.entries()) {
    const hash = hashes[i];
    if (seenHashes.has(hash)) continue;
    seenHashes.add(hash);
    let contactId = contactIdByHash.get(hash);
    if (!contactId) {
      contactId = randomToken();
      contactIdByHash.set(hash, contactId);
      const name = scrubDisplayName(participant.name);
      newContacts.push({ id: contactId, publicAddressId: pa.id, emailHash: hash, emailEnc: await ctx.ring.seal(participant.key), nameEnc: name ? await ctx.ring.seal(name) : null });
    }
    for (const recipient of active) {
      if (existing.some((r) => r.contactId === contactId && r.recipientId === recipient.id)) continue;
      const alias = { id: randomToken(), localPart: await mintAliasLocalPart(ctx.ring), domain: aliasDomain, publicAddressId: pa.id, recipientId: recipient.id, contactId };
      newAliases.push(alias);
      rows.push({ contactId, emailHash: hash, aliasId: alias.id, recipientId: recipient.id, localPart: alias.localPart, domain: alias.domain });
    }
  }
  return { rows, newContacts, newAliases };
}

/** address (lowercased) → this recipient's reverse alias for it. */
function aliasLookup(rows: ContactAliasRow[], participants: Participant[], hashes: string[], recipientId: string): Map<string, string> {
  const byHash = new Map<string, string>();
  for (const row of rows) if (row.recipientId === recipientId && row.localPart) byHash.set(row.emailHash, `${row.localPart}@${row.domain}`);
  const map = new Map<string, string>();
  for (const [i, p] of participants.entries()) {
    const alias = byHash.get(hashes[i]);
    if (!alias) continue;
    map.set(p.key, alias);
    if (!map.has(withoutSubaddress(p.key))) map.set(withoutSubaddress(p.key), alias);
  }
  return map;
}

/** To always holds the public address (case-06: mail that reached it by Bcc still gets a usable To). */
function toList(participants: Participant[], pa: PublicAddressRow, aliasOf: Map<string, string>): Mailbox[] {
  const list: Mailbox[] = [{ name: pa.displayName, address: pa.address }];
  for (const p of participants) if (p.role === "to") list.push({ name: p.name, address: aliasOf.get(p.key)!, group: p.group });
  return list;
}

function ccList(participants: Participant[], aliasOf: Map<string, string>): Mailbox[] {
  return participants.filter((p) => p.role === "cc").map((p) => ({ name: p.name, address: aliasOf.get(p.key)!, group: p.group }));
}

function replyToAlias(participants: Participant[], aliasOf: Map<string, string>, senderAlias: string): string {
  const replyTo = participants.find((p) => p.role === "reply-to");
  return replyTo ? formatAddressList([{ name: replyTo.name, address: aliasOf.get(replyTo.key)! }]) : `<${senderAlias}>`;
}

/**
 * In-Reply-To/References for a recipient's copy: the contact's own IDs become the relay IDs the
 * recipients saw; a relay ID of this recipient's earlier reply becomes the recipient's own
 * original ID, so their client threads it.
 */
async function mapThreadForward(ctx: RelayContext, fields: HeaderField[], threads: ThreadRow[], recipientId: string, domain: string, relayDomains: Set<string>): Promise<string[]> {
  const map = async (id: string): Promise<string> => {
    const row = relayDomains.has(idDomain(id)) ? threads.find((t) => t.relayMessageId === id && t.direction === "outbound" && t.recipientId === recipientId) : undefined;
    if (row?.originalMessageIdEnc) return ctx.ring.open(row.originalMessageIdEnc);
    // Anything else — the contact's own IDs, or IDs made up to look like ours — is mapped, never copied.
    return relayMessageId(ctx.ring, id, domain);
  };
  const inReplyTo = messageIds(headerValue(fields, "in-reply-to"));
  const references = trimReferences(messageIds(headerValue(fields, "references")));
  const out: string[] = [];
  if (inReplyTo.length) out.push(formatHeader("In-Reply-To", (await Promise.all(inReplyTo.slice(0, 1).map(map))).join(" ")));
  if (references.length) out.push(formatHeader("References", [...new Set(await Promise.all(references.map(map)))].join(" ")));
  return out;
}
