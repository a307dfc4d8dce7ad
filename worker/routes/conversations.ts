/**
 * The signed-in recipient's conversations. A conversation is one reverse alias: the contact
 * appears only by display name and alias. Sending goes through the same reply path and
 * policy as mail to the alias (relayReply), vouched for by the session instead of SMTP.
 */
import { Hono } from "hono";
import { createMimeMessage } from "mimetext/browser";
import { z } from "zod";
import { findOwnConversation, listConversations, markRead, threadMessages } from "../../db/queries/conversations";
import { relayReply } from "../email/reply";
import { textPart } from "../mail/compose";
import { ApiError } from "../errors";
import { binaryToBytes, utf8ToBinary } from "../mime/bytes";
import { parseMessage } from "../mime/message";
import type { AppEnv } from "./app-env";
import { requireCorrespondent } from "./identity";
import { relayContextOf } from "./relay-context";
import { readJson, singleLine } from "./validate";
import { scrubDisplayName } from "../mime/address";
import type { Keyring } from "../crypto/sealed";

/** A stored name, scrubbed again on the way out: a name may once have been an address. */
async function nameOf(ring: Keyring, sealed: string | null): Promise<string> {
  return sealed ? scrubDisplayName(await ring.open(sealed)) : "";
}

/** Total size of attachments a web reply may carry (decoded bytes). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export const conversations = new Hono<AppEnv>();

conversations.get("/", async (c) => {
  const user = requireCorrespondent(c);
  const q = (c.req.query("q") ?? "").trim().toLowerCase();
  const address = (c.req.query("address") ?? "").trim().toLowerCase();
  const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
  const limit = Math.min(100, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
  const rows = await listConversations(c.var.db, user);
  const items = await Promise.all(
    rows.map(async (r) => ({
      id: r.aliasId,
      contactName: await nameOf(c.var.ring, r.contactNameEnc),
      alias: `${r.localPart}@${r.aliasDomain}`,
      publicAddress: r.publicAddress,
      publicName: r.publicName,
      subject: r.subject,
      lastAt: r.lastAt,
      unread: r.unread,
      messageCount: r.messageCount,
    })),
  );
  const matching = items.filter((i) => (!address || i.publicAddress === address) && (!q || i.subject.toLowerCase().includes(q) || i.contactName.toLowerCase().includes(q)));
  return c.json({ total: matching.length, offset, items: matching.slice(offset, offset + limit) });
});

conversations.get("/:id", async (c) => {
  const user = requireCorrespondent(c);
  const conversation = await findOwnConversation(c.var.db, user, c.req.param("id"));
  if (!conversation) throw new ApiError("not_found", "No such conversation", 404);
  const { ring } = c.var;
  const rows = await threadMessages(c.var.db, conversation.aliasId);
  await markRead(c.var.db, conversation.aliasId);
  const contactName = await nameOf(ring, conversation.contactNameEnc);
  return c.json({
    id: conversation.aliasId,
    contactName,
    alias: `${conversation.localPart}@${conversation.aliasDomain}`,
    publicAddress: conversation.publicAddress,
    publicName: conversation.publicName,
    messages: await Promise.all(
      rows.map(async (m) => ({
        id: m.id,
        direction: m.direction,
        subject: m.subject,
        createdAt: m.createdAt,
        unread: m.direction === "inbound" && m.readAt === null,
        fromName: m.direction === "inbound" ? (await nameOf(ring, m.fromNameEnc)) || contactName : "",
        text: m.textEnc ? await ring.open(m.textEnc) : "",
        html: m.htmlEnc ? await ring.open(m.htmlEnc) : "",
        attachments: JSON.parse(m.attachments ?? "[]"),
        state: m.state ?? "sent",
        // Delivery detail for the UI: attempts so far and the last failure (codes and a fixed phrase, never an address).
        attempts: m.attempts ?? 0,
        lastError: m.lastError,
      })),
    ),
  });
});

const attachmentSchema = z.strictObject({
  filename: singleLine(200).min(1),
  contentType: z.string().regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, "must be a MIME type"),
  contentBase64: z.string().regex(/^[A-Za-z0-9+/=\s]*$/, "must be base64"),
});

export const sendSchema = z.strictObject({
  subject: singleLine(300).optional(),
  text: z.string().min(1).max(200_000),
  html: z.string().max(500_000).optional(),
  attachments: z.array(attachmentSchema).max(20).default([]),
});

conversations.post("/:id/messages", async (c) => {
  const user = requireCorrespondent(c);
  const body = await readJson(c, sendSchema);
  const conversation = await findOwnConversation(c.var.db, user, c.req.param("id"));
  if (!conversation) throw new ApiError("not_found", "No such conversation", 404);
  const total = body.attachments.reduce((n, a) => n + Math.floor((a.contentBase64.replace(/\s+/g, "").length * 3) / 4), 0);
  if (total > MAX_UPLOAD_BYTES) throw new ApiError("attachments_too_large", `Attachments may total at most ${MAX_UPLOAD_BYTES} bytes`, 413);

  // A system writes as the public address: its key vouches for its recipient (asRecipientId),
  // and a webhook recipient's stored "address" is its URL, not a mailbox.
  const email = user.recipientId ? conversation.publicAddress : await c.var.ring.open(user.emailEnc);
  const alias = `${conversation.localPart}@${conversation.aliasDomain}`;
  const thread = await threadMessages(c.var.db, conversation.aliasId);
  const last = [...thread].reverse().find((m) => m.direction === "inbound") ?? thread[thread.length - 1];
  // Written as the recipient's own mail client would write it, then relayed like one.
  const msg = createMimeMessage();
  msg.setSender({ addr: email });
  msg.setRecipient({ name: await nameOf(c.var.ring, conversation.contactNameEnc), addr: alias });
  msg.setSubject(body.subject ?? (last ? (/^re:/i.test(last.subject) ? last.subject : `Re: ${last.subject}`) : "(no subject)"));
  if (last) {
    msg.setHeader("In-Reply-To", last.relayMessageId);
    msg.setHeader("References", last.relayMessageId);
  }
  msg.addMessage({ contentType: "text/plain", ...textPart(body.text) });
  if (body.html) msg.addMessage({ contentType: "text/html", ...textPart(body.html) });
  for (const a of body.attachments) msg.addAttachment({ filename: a.filename, contentType: a.contentType, data: a.contentBase64.replace(/\s+/g, "") });
  const message = parseMessage(binaryToBytes(utf8ToBinary(msg.asRaw())));

  const verdict = await relayReply(
    relayContextOf(c),
    { envelopeFrom: email, rcpt: alias, message },
    conversation.localPart,
    { signedIn: true, asRecipientId: user.recipientId },
  );
  if (verdict.kind === "rejected") throw new ApiError("send_refused", verdict.reason, 422);
  return c.json({ id: verdict.messageIds[0], state: "queued" }, 201);
});
