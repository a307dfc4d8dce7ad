/**
 * Messages the relay writes itself (confirmations, notices, web replies), composed with
 * mimetext. Every value is stripped of CR/LF first: mimetext writes header values verbatim
 * (MIMEText#81), so an unchecked value could add a header.
 */
import { createMimeMessage } from "mimetext/browser";
import { utf8ToBinary, binaryToBytes } from "../mime/bytes";
import { encodeQuotedPrintable } from "../mime/transfer-encoding";

export interface PlainMail {
  from: { name?: string; address: string };
  to: { name?: string; address: string };
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

function oneLine(value: string): string {
  return value.replace(/[\r\n\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+/g, " ").trim();
}

/**
 * A text part's data and Content-Transfer-Encoding for mimetext, which writes both as given and
 * says "7bit" whatever the text. "7bit" promises ASCII and "8bit" lines of at most 998 octets
 * (RFC 2045 §2.7–2.8): UTF-8 text (every Japanese mail) is "8bit", and a longer line (a pasted
 * paragraph) makes the part quoted-printable.
 */
export function textPart(text: string): { data: string; encoding: "7bit" | "8bit" | "quoted-printable" } {
  const binary = utf8ToBinary(text);
  if (binary.split(/\r?\n/).some((line) => line.length > 998)) return { data: encodeQuotedPrintable(binary), encoding: "quoted-printable" };
  return { data: text, encoding: /[^\x00-\x7f]/.test(binary) ? "8bit" : "7bit" };
}

export function composePlain(mail: PlainMail): Uint8Array {
  const msg = createMimeMessage();
  msg.setSender({ name: oneLine(mail.from.name ?? ""), addr: oneLine(mail.from.address) });
  msg.setRecipient({ name: oneLine(mail.to.name ?? ""), addr: oneLine(mail.to.address) });
  msg.setSubject(oneLine(mail.subject));
  for (const [name, value] of Object.entries(mail.headers ?? {})) msg.setHeader(oneLine(name), oneLine(value));
  msg.addMessage({ contentType: "text/plain", ...textPart(mail.text) });
  return binaryToBytes(utf8ToBinary(msg.asRaw().replace(/\r?\n/g, "\r\n")));
}
