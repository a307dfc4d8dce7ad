/** Sealing what the web UI keeps of a message (db/schema.ts messageBodies). */
import type { NewBody } from "../../db/queries/relay";
import type { Keyring } from "../crypto/sealed";
import { replaceAddresses, type AddressResolver } from "../mime/addresses-in-text";
import { scrubDisplayName } from "../mime/address";
import type { AttachmentInfo, MessageSummary } from "../mime/summary";

/** The UI never stores (a webhook is never posted) HTML larger than this; the text version is kept instead. */
export const MAX_STORED_CHARS = 512 * 1024;

/**
 * The summary as its readers get it — the web UI and webhook payloads alike — with every address
 * the resolver knows replaced. The HTML is read as HTML ("hanako<span>@</span>example.com" is
 * one address to the browser that shows it), exactly as in the mailed copy.
 */
export function resolvedSummary(summary: MessageSummary, resolve: AddressResolver): MessageSummary {
  return {
    text: replaceAddresses(summary.text, resolve).slice(0, MAX_STORED_CHARS),
    html: summary.html.length <= MAX_STORED_CHARS ? replaceAddresses(summary.html, resolve, { html: true }) : "",
    attachments: summary.attachments.map((a): AttachmentInfo => ({ filename: a.filename === null ? null : replaceAddresses(a.filename, resolve), mimeType: a.mimeType, size: a.size })),
  };
}

export async function sealBody(ring: Keyring, messageId: string, fromName: string, summary: MessageSummary, resolve: AddressResolver): Promise<NewBody> {
  const { text, html, attachments } = resolvedSummary(summary, resolve);
  return {
    messageId,
    fromNameEnc: fromName ? await ring.seal(scrubDisplayName(fromName)) : null,
    textEnc: text ? await ring.seal(text) : null,
    htmlEnc: html ? await ring.seal(html) : null,
    attachments: JSON.stringify(attachments),
  };
}
