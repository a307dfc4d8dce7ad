/**
 * The pure core shared by both directions: rewrite the body for a resolver, build the header
 * block from what the relay decided plus the allowlisted originals, and render the bytes.
 * No storage, no clock beyond a missing Date: this is what the benchmark times and the property
 * test hammers.
 */
import type { AddressResolver } from "../mime/addresses-in-text";
import type { Mailbox } from "../mime/address";
import { formatHeader } from "../mime/headers";
import { renderMessage, type ParsedMessage } from "../mime/message";
import { rewriteBody, type Edit } from "../mime/rewrite-body";
import { formatAddressList, passthroughFields } from "./header-policy";

export interface CopyHeaders {
  /** A formatted From value (mailbox or display form). */
  from: string;
  to: Mailbox[];
  cc: Mailbox[];
  /** A formatted Reply-To value, or none. */
  replyTo?: string;
  messageId: string;
  /** Ready In-Reply-To / References lines. */
  thread: string[];
}

/** `banner`: the public address's notice line, added on top of the message text (forward copies only). */
export function renderCopy(message: ParsedMessage, headers: CopyHeaders, resolve: AddressResolver, options: { banner?: string | null } = {}): Uint8Array {
  const edits: Edit[] = [];
  const change = rewriteBody(message.src, message.root, resolve, edits, 0, options.banner ? { text: options.banner, done: new Set() } : undefined);
  const block = [
    formatHeader("From", headers.from),
    formatHeader("To", formatAddressList(headers.to)),
    ...(headers.cc.length ? [formatHeader("Cc", formatAddressList(headers.cc))] : []),
    ...(headers.replyTo ? [formatHeader("Reply-To", headers.replyTo)] : []),
    formatHeader("Message-ID", headers.messageId),
    ...headers.thread,
    ...passthroughFields(message.root.fields, change, resolve),
  ].join("\r\n");
  return renderMessage(message, block, edits);
}
