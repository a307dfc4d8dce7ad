/**
 * Transactional-mail providers over HTTP, behind the one Mailer interface. Mailgun and Amazon SES
 * take the raw MIME as it is (threading headers and attachments untouched). Resend, Postmark and SendGrid
 * only take JSON: the message is read back into their shape — subject, text, HTML, attachments
 * and the threading/automation headers; what JSON cannot carry (the MIME structure itself,
 * nested message/rfc822 parts as parts, exotic headers) is lost, as the tests record.
 * 2xx is sent; 429, 5xx, network errors and timeouts are temporary; other 4xx are permanent.
 */
import { AwsClient } from "aws4fetch";
import PostalMime from "postal-mime";
import type { Mailer, OutboundEnvelope, SendResult } from "./mailer";

export interface HttpMailerOptions {
  apiKey: string;
  baseUrl?: string;
  /** Abort a request after this long (ms): a hung provider is a temporary failure. */
  timeoutMs?: number;
}

const KEPT_HEADERS = ["message-id", "in-reply-to", "references", "auto-submitted"];

async function post(url: string, init: RequestInit, timeoutMs: number, send: typeof fetch = fetch): Promise<SendResult> {
  let res: Response;
  try {
    res = await send(url, { ...init, method: "POST", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    return { ok: false, permanent: false, error: error instanceof Error && error.name === "TimeoutError" ? "provider timed out" : "provider unreachable" };
  }
  if (res.ok) return { ok: true };
  const detail = (await res.text().catch(() => "")).slice(0, 200);
  return { ok: false, permanent: res.status >= 400 && res.status < 500 && res.status !== 429, error: `HTTP ${res.status} ${detail}` };
}

/** The message as JSON-only providers take it. */
async function readBack(raw: Uint8Array) {
  const email = await PostalMime.parse(raw, { attachmentEncoding: "base64" });
  const headers: Record<string, string> = {};
  for (const h of email.headers) if (KEPT_HEADERS.includes(h.key) && !headers[h.originalKey]) headers[h.originalKey] = h.value;
  const from = email.from && "address" in email.from && email.from.address ? email.from : { name: "", address: "" };
  // Reply-To is a field of its own in every JSON API (SendGrid refuses it as a header).
  const replyTo = email.replyTo?.find((a): a is { name: string; address: string } => "address" in a && Boolean(a.address))?.address;
  return {
    from,
    replyTo,
    subject: email.subject ?? "",
    text: email.text ?? "",
    html: email.html,
    headers,
    attachments: email.attachments.map((a) => ({ filename: a.filename ?? "attachment", contentType: a.mimeType, content: String(a.content), contentId: a.contentId })),
  };
}

function formatFrom(from: { name: string; address: string }): string {
  return from.name ? `"${from.name.replace(/["\\\r\n]/g, "")}" <${from.address}>` : from.address;
}

export function mailgunMailer(options: HttpMailerOptions & { domain: string }): Mailer {
  const base = options.baseUrl ?? "https://api.mailgun.net";
  return {
    name: "mailgun",
    async send({ to, raw }: OutboundEnvelope) {
      const form = new FormData();
      form.set("to", to);
      form.set("message", new Blob([raw], { type: "message/rfc822" }), "message.mime");
      return post(`${base}/v3/${options.domain}/messages.mime`, { headers: { authorization: `Basic ${btoa(`api:${options.apiKey}`)}` }, body: form }, options.timeoutMs ?? 15_000);
    },
  };
}

export function resendMailer(options: HttpMailerOptions): Mailer {
  const base = options.baseUrl ?? "https://api.resend.com";
  return {
    name: "resend",
    async send({ from, to, raw }: OutboundEnvelope) {
      const m = await readBack(raw);
      const body = { from: formatFrom({ name: m.from.name, address: from }), to: [to], ...(m.replyTo ? { reply_to: m.replyTo } : {}), subject: m.subject, text: m.text, html: m.html, headers: m.headers, attachments: m.attachments.map((a) => ({ filename: a.filename, content: a.content, content_type: a.contentType })) };
      return post(`${base}/emails`, { headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) }, options.timeoutMs ?? 15_000);
    },
  };
}

export function postmarkMailer(options: HttpMailerOptions & { stream?: string }): Mailer {
  const base = options.baseUrl ?? "https://api.postmarkapp.com";
  return {
    name: "postmark",
    async send({ from, to, raw }: OutboundEnvelope) {
      const m = await readBack(raw);
      const body = {
        From: formatFrom({ name: m.from.name, address: from }),
        To: to,
        ...(m.replyTo ? { ReplyTo: m.replyTo } : {}),
        Subject: m.subject,
        TextBody: m.text,
        HtmlBody: m.html,
        Headers: Object.entries(m.headers).map(([Name, Value]) => ({ Name, Value })),
        Attachments: m.attachments.map((a) => ({ Name: a.filename, Content: a.content, ContentType: a.contentType, ...(a.contentId ? { ContentID: a.contentId } : {}) })),
        MessageStream: options.stream ?? "outbound",
      };
      return post(`${base}/email`, { headers: { "x-postmark-server-token": options.apiKey, accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) }, options.timeoutMs ?? 15_000);
    },
  };
}

export function sendgridMailer(options: HttpMailerOptions): Mailer {
  const base = options.baseUrl ?? "https://api.sendgrid.com";
  return {
    name: "sendgrid",
    async send({ from, to, raw }: OutboundEnvelope) {
      const m = await readBack(raw);
      const content = [{ type: "text/plain", value: m.text || " " }, ...(m.html ? [{ type: "text/html", value: m.html }] : [])];
      const body = {
        personalizations: [{ to: [{ email: to }] }],
        from: { email: from, ...(m.from.name ? { name: m.from.name } : {}) },
        ...(m.replyTo ? { reply_to: { email: m.replyTo } } : {}),
        subject: m.subject,
        content,
        // SendGrid sets Message-ID itself and refuses to take one.
        headers: Object.fromEntries(Object.entries(m.headers).filter(([k]) => k.toLowerCase() !== "message-id")),
        attachments: m.attachments.map((a) => ({ content: a.content, filename: a.filename, type: a.contentType, disposition: a.contentId ? "inline" : "attachment", ...(a.contentId ? { content_id: a.contentId.replace(/[<>]/g, "") } : {}) })),
      };
      return post(`${base}/v3/mail/send`, { headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" }, body: JSON.stringify(body) }, options.timeoutMs ?? 15_000);
    },
  };
}

/** Amazon SES v2 SendEmail with raw content, SigV4-signed (aws4fetch). */
export function sesMailer(options: { accessKeyId: string; secretAccessKey: string; region: string; baseUrl?: string; timeoutMs?: number }): Mailer {
  const aws = new AwsClient({ accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, service: "ses", region: options.region, retries: 0 }); // retries are the outbox's job
  const base = options.baseUrl ?? `https://email.${options.region}.amazonaws.com`;
  return {
    name: "ses",
    async send({ from, to, raw }: OutboundEnvelope) {
      let binary = "";
      for (let i = 0; i < raw.length; i += 0x8000) binary += String.fromCharCode(...raw.subarray(i, i + 0x8000));
      const body = { FromEmailAddress: from, Destination: { ToAddresses: [to] }, Content: { Raw: { Data: btoa(binary) } } };
      return post(`${base}/v2/email/outbound-emails`, { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, options.timeoutMs ?? 15_000, (url, init) => aws.fetch(String(url), init));
    },
  };
}
