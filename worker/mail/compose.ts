/**
 * Messages the relay writes itself (confirmations, notices, web replies), composed with
 * mimetext. Every value is stripped of CR/LF first: mimetext writes header values verbatim
 * (MIMEText#81), so an unchecked value could add a header.
 */
import { createMimeMessage } from "mimetext/browser";
import { utf8ToBinary, binaryToBytes } from "../mime/bytes";

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

export function composePlain(mail: PlainMail): Uint8Array {
  const msg = createMimeMessage();
  msg.setSender({ name: oneLine(mail.from.name ?? ""), addr: oneLine(mail.from.address) });
  msg.setRecipient({ name: oneLine(mail.to.name ?? ""), addr: oneLine(mail.to.address) });
  msg.setSubject(oneLine(mail.subject));
  for (const [name, value] of Object.entries(mail.headers ?? {})) msg.setHeader(oneLine(name), oneLine(value));
  msg.addMessage({ contentType: "text/plain", data: mail.text });
  return binaryToBytes(utf8ToBinary(msg.asRaw().replace(/\r?\n/g, "\r\n")));
}
