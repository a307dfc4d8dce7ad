/** Sealing what the web UI keeps of a message (db/schema.ts messageBodies). */
import type { NewBody } from "../../db/queries/relay";
import type { Keyring } from "../crypto/sealed";
import { replaceAddresses, type AddressResolver } from "../mime/addresses-in-text";
import { scrubDisplayName } from "../mime/address";
import type { MessageSummary } from "../mime/summary";

/** The UI never stores HTML larger than this; the text version is kept instead. */
const MAX_STORED_CHARS = 512 * 1024;

export async function sealBody(ring: Keyring, messageId: string, fromName: string, summary: MessageSummary, resolve: AddressResolver): Promise<NewBody> {
  const text = replaceAddresses(summary.text, resolve).slice(0, MAX_STORED_CHARS);
  const html = summary.html.length <= MAX_STORED_CHARS ? replaceAddresses(summary.html, resolve) : "";
  const attachments = summary.attachments.map((a) => ({ ...a, filename: a.filename === null ? null : replaceAddresses(a.filename, resolve) }));
  return {
    messageId,
    fromNameEnc: fromName ? await ring.seal(scrubDisplayName(fromName)) : null,
    textEnc: text ? await ring.seal(text) : null,
    htmlEnc: html ? await ring.seal(html) : null,
    attachments: JSON.stringify(attachments),
  };
}
