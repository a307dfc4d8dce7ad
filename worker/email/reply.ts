/**
 * Mail to a reverse alias → the contact, sent from the public address. Only the bound
 * recipient may use an alias, with an authenticated sender; every private address of the
 * public address's recipients becomes the public address, and every alias the contact is not
 * meant to know becomes the public address too.
 */
import { isDeletedAlias, loadReplyState, recordAndQueue, type ThreadRow } from "../../db/queries/relay";
import { ALIAS_PATTERN, randomToken } from "../crypto/tokens";
import { composePlain } from "../mail/compose";
import { queueServiceMail } from "../mail/service-mail";
import { sealRaw, sendQueued } from "../mail/deliver";
import { replaceAddresses, withoutSubaddress, type AddressResolver } from "../mime/addresses-in-text";
import { normalizeAddress, parseAddressList, type Mailbox } from "../mime/address";
import { formatHeader, headerValue, type HeaderField } from "../mime/headers";
import { decodeEncodedWords } from "../mime/encoded-words";
import { verifySender } from "./authenticate";
import { failedLookup, reject, type InboundMail, type RelayContext, type Verdict } from "./context";
import { formatAddressList } from "./header-policy";
import { renderCopy } from "./render-copy";
import { sealBody } from "./bodies";
import { summarize } from "../mime/summary";
import { referenceCount } from "./loops";
import { idDomain, messageIds, messageRowId, relayMessageId, trimReferences } from "./threading";

export const REFUSED_OTHER = "550 5.7.1 This address accepts mail only from the correspondent it was issued to";

export interface ReplyOptions {
  /** The sender signed in to the web UI: their session, not SMTP authentication, vouches for them. */
  signedIn?: boolean;
  /**
   * A system's API key vouches for exactly this recipient: the bound recipient is checked by id
   * instead of by sender address, since a webhook recipient has no mailbox to send from.
   */
  asRecipientId?: string;
}

export async function relayReply(ctx: RelayContext, mail: InboundMail, localPart: string, options: ReplyOptions = {}): Promise<Verdict> {
  const fields = mail.message.root.fields;
  const rcptDomain = mail.rcpt.split("@")[1];
  const listed = [...parseAddressList(headerValue(fields, "to")), ...parseAddressList(headerValue(fields, "cc"))];
  const otherLocalParts = [...new Set(listed.map((m) => normalizeAddress(m.address).split("@")[0]).filter((l) => ALIAS_PATTERN.test(l) && l !== localPart))];
  const refs = [...messageIds(headerValue(fields, "in-reply-to")), ...messageIds(headerValue(fields, "references"))];
  const messageDomain = ctx.config.aliasDomain ? null : rcptDomain;
  const lookupIds = await threadLookupIds(ctx, refs, messageDomain);

  const state = await loadReplyState(ctx.db, localPart, otherLocalParts, lookupIds);
  if (!state.main) {
    const deleted = await isDeletedAlias(ctx.db, await ctx.ring.index(`alias:${localPart}`));
    return failedLookup(deleted ? "550 5.1.1 This address no longer exists" : "550 5.1.1 No such address here");
  }
  const m = state.main;
  const pa = { id: m.publicAddressId, address: m.publicAddress, displayName: m.publicDisplayName, domain: m.publicDomain, status: m.publicStatus };
  const alias = { id: m.aliasId, localPart: m.aliasLocalPart, domain: m.aliasDomain };

  // Case-insensitive on both the envelope and the From header (issue: bound recipient only).
  const recipientEmail = await ctx.ring.open(m.recipientEmailEnc);
  // RFC 5322 §3.6: exactly one From. A second one is how a replayed, validly signed message
  // would smuggle another author past the check (DKIM verifiers read the last one).
  const fromFields = fields.filter((f) => f.key === "from");
  const fromList = fromFields.length === 1 ? parseAddressList(fromFields[0].value) : [];
  const fromHeader = fromList.length === 1 ? fromList[0] : undefined;
  const envelopeOk = normalizeAddress(mail.envelopeFrom) === normalizeAddress(recipientEmail);
  const headerOk = fromHeader !== undefined && normalizeAddress(fromHeader.address) === normalizeAddress(recipientEmail);
  const senderOk = options.asRecipientId !== undefined ? options.asRecipientId === m.recipientId : envelopeOk && headerOk;
  if (!senderOk || m.recipientVerifiedAt === null) return failedLookup(REFUSED_OTHER);

  // Authenticated before any other answer, and its refusal counted like a failed lookup: a
  // forger naming the bound recipient must meet the same 450 past the per-domain limit as any
  // other wrong sender, or unlimited guesses would tell which private address an alias belongs to.
  const verdict = options.signedIn ? { pass: true, reason: "session" } : verifySender(fields, recipientEmail, ctx.config.authservId);
  if (!verdict.pass) {
    await noticeRefusedReply(ctx, pa, m.recipientId, recipientEmail, `${alias.localPart}@${alias.domain}`, decodeEncodedWords(headerValue(fields, "subject") ?? ""));
    return failedLookup(`550 5.7.26 Reply refused: the sender could not be authenticated (${verdict.reason})`);
  }
  if (pa.status !== "active") return reject("550 5.2.1 This address is not sending mail at the moment");
  if (referenceCount(fields) > 100) return reject("554 5.4.6 Refused: more than 100 References (mail loop)");

  // With ALIAS_DOMAIN set, the public address (whose domain keys relay IDs) was unknown at the
  // first read: only a reply that refers to earlier mail needs a second one.
  const threads = messageDomain === pa.domain || !refs.length ? state.threads : await reloadThreads(ctx, refs, pa.domain, localPart, otherLocalParts);
  const contactEmail = await ctx.ring.open(m.contactEmailEnc);
  const contactName = m.contactNameEnc ? await ctx.ring.open(m.contactNameEnc) : "";
  const bound = new Map<string, { email: string; name: string; contactId: string }>([[alias.localPart, { email: contactEmail, name: contactName, contactId: m.contactId }]]);
  for (const other of state.otherAliases) {
    bound.set(other.localPart, { email: await ctx.ring.open(other.emailEnc), name: other.nameEnc ? await ctx.ring.open(other.nameEnc) : "", contactId: other.contactId });
  }
  const privateAddresses = new Set((await Promise.all(state.recipientEmailsEnc.map((e) => ctx.ring.open(e)))).map(normalizeAddress));
  const relayDomains = new Set([pa.domain, alias.domain, ctx.config.aliasDomain].filter(Boolean));
  const isPrivate = (address: string) => privateAddresses.has(address) || privateAddresses.has(withoutSubaddress(address));
  const resolve: AddressResolver = (address) => {
    if (isPrivate(address)) return pa.address;
    const local = address.split("@")[0];
    // Any alias-shaped address, on any domain (another public address's aliases too), names a
    // contact: only the ones this mail addresses become real addresses.
    if (!ALIAS_PATTERN.test(local)) return null;
    return bound.get(local)?.email ?? pa.address;
  };

  const ownId = messageIds(headerValue(fields, "message-id"))[0];
  const relayId = await relayMessageId(ctx.ring, ownId, pa.domain);
  const contactIds = new Set([...bound.values()].map((b) => b.contactId));
  const mapped = (list: Mailbox[]) =>
    list.flatMap((mailbox) => {
      const target = bound.get(normalizeAddress(mailbox.address).split("@")[0]);
      return target ? [{ name: mailbox.name || target.name, address: target.email }] : [];
    });
  const to = mapped(parseAddressList(headerValue(fields, "to")));
  const raw = renderCopy(
    mail.message,
    {
      from: formatAddressList([{ name: pa.displayName, address: pa.address }]),
      to: to.length ? to : [{ name: contactName, address: contactEmail }],
      cc: mapped(parseAddressList(headerValue(fields, "cc"))),
      messageId: relayId,
      thread: await mapThreadReply(ctx, fields, threads, contactIds, pa.domain, relayDomains),
    },
    resolve,
  );

  const messageId = await messageRowId(ctx.ring, alias.id, relayId, "outbound");
  const outboxId = randomToken();
  // The UI shows the recipient their own message as they wrote it (the contact behind the alias),
  // except a private address of theirs, which is stored as the public address: the subject is a
  // clear column, and no address is stored in clear.
  const subject = replaceAddresses(decodeEncodedWords(headerValue(fields, "subject") ?? ""), (address) => (isPrivate(address) ? pa.address : null));
  const inserted = await recordAndQueue(ctx.db, {
    messages: [{ id: messageId, publicAddressId: pa.id, aliasId: alias.id, direction: "outbound", subject, relayMessageId: relayId, originalMessageIdEnc: ownId ? await ctx.ring.seal(ownId) : null }],
    bodies: [await sealBody(ctx.ring, messageId, "", summarize(mail.message.src, mail.message.root), () => null)],
    outbox: [{ id: outboxId, idempotencyKey: `reply:${relayId}:${alias.id}`, kind: "relay", publicAddressId: pa.id, recipientId: m.recipientId, messageId, envelopeFrom: pa.address, envelopeToEnc: await ctx.ring.seal(contactEmail), rawEnc: await sealRaw(ctx.ring, raw), via: m.publicMailer }],
    touchAliasIds: [alias.id],
  });
  // A reply goes out as the public address, through the sender that address chose (outbox.via).
  if (inserted.has(outboxId)) ctx.waitUntil(sendQueued(ctx.db, ctx.mailer, [{ id: outboxId, from: pa.address, to: contactEmail, raw, via: m.publicMailer, publicAddressId: pa.id }]));
  return { kind: "relayed", copies: inserted.size, messageIds: [messageId] };
}

/** IDs to look up: relay IDs as they are, and the relay ID each external ID would map to. */
async function threadLookupIds(ctx: RelayContext, refs: string[], domain: string | null): Promise<string[]> {
  if (!domain) return [];
  const ids = await Promise.all(refs.map(async (id) => (idDomain(id) === domain ? id : relayMessageId(ctx.ring, id, domain))));
  return [...new Set(ids)];
}

async function reloadThreads(ctx: RelayContext, refs: string[], domain: string, localPart: string, others: string[]): Promise<ThreadRow[]> {
  const ids = await threadLookupIds(ctx, refs, domain);
  return (await loadReplyState(ctx.db, localPart, others, ids)).threads;
}

/**
 * In-Reply-To/References toward the contact: only IDs the contact has seen survive. A relay ID
 * of their message becomes their own ID; the recipient's own earlier IDs become the relay IDs
 * the contact saw; anything else (private IDs, other threads) is dropped (case-21).
 */
async function mapThreadReply(ctx: RelayContext, fields: HeaderField[], threads: ThreadRow[], contactIds: Set<string>, domain: string, relayDomains: Set<string>): Promise<string[]> {
  const map = async (id: string): Promise<string | null> => {
    const own = relayDomains.has(idDomain(id));
    const key = own ? id : await relayMessageId(ctx.ring, id, domain);
    const row = threads.find((t) => t.relayMessageId === key && contactIds.has(t.contactId));
    if (!row) return null;
    if (row.direction === "outbound") return key;
    if (!own) return id;
    return row.originalMessageIdEnc ? ctx.ring.open(row.originalMessageIdEnc) : null;
  };
  const mapAll = async (ids: string[]) => [...new Set((await Promise.all(ids.map(map))).filter((x): x is string => x !== null))];
  const inReplyTo = await mapAll(messageIds(headerValue(fields, "in-reply-to")).slice(0, 1));
  const references = await mapAll(trimReferences(messageIds(headerValue(fields, "references"))));
  const out: string[] = [];
  if (inReplyTo.length) out.push(formatHeader("In-Reply-To", inReplyTo[0]));
  const refsOut = references.length ? references : inReplyTo;
  if (refsOut.length) out.push(formatHeader("References", refsOut.join(" ")));
  return out;
}

/** Tells the recipient — never the outside sender — that mail in their name was refused. */
async function noticeRefusedReply(ctx: RelayContext, pa: { id: string; address: string; displayName: string }, recipientId: string, recipientEmail: string, alias: string, subject: string): Promise<void> {
  const raw = composePlain({
    from: { name: "Kakuremino", address: pa.address },
    to: { address: recipientEmail },
    subject: "Refused: a reply in your name could not be authenticated",
    text: [
      `A message sent in your name to ${alias} was refused and not delivered.`,
      `Subject: ${subject.replace(/[\r\n]+/g, " ").slice(0, 200)}`,
      "",
      "Your mail server did not pass DKIM or SPF for your address. If you sent it, check your",
      "domain's DKIM/SPF setup or answer from the web UI. If you did not, someone tried to",
      "impersonate you; no mail reached the correspondent.",
      "",
      "あなたの名前で送られたメールは、送信元を認証できなかったため配送しませんでした。",
    ].join("\n"),
    headers: { "Auto-Submitted": "auto-generated" },
  });
  await queueServiceMail(ctx, (p) => ctx.waitUntil(p), { kind: "notice", from: pa.address, to: recipientEmail, raw, publicAddressId: pa.id, recipientId });
}
