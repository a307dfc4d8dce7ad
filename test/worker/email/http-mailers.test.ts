/**
 * HTTP mail providers, faked at the HTTP boundary: each request is checked against the
 * provider's documented shape (method, path, auth header, body), and the fake answers success,
 * 4xx, 5xx or hangs.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { mailgunMailer, postmarkMailer, resendMailer, sendgridMailer, sesMailer } from "../../../worker/mail/http-mailers";
import { cloudflareApiMailer } from "../../../worker/mail/cloudflare-api-mailer";
import type { Mailer } from "../../../worker/mail/mailer";

const RAW = new TextEncoder().encode(
  [
    "From: Example Support Desk <info@relay.example.jp>",
    "Reply-To: <r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp>",
    "To: Hanako Yamada <hanako.yamada@example.com>",
    "Subject: =?UTF-8?B?6KaL56mN5pu4?=",
    "Message-ID: <m1@relay.example.jp>",
    "In-Reply-To: <hy-1@mail.example.com>",
    "References: <hy-1@mail.example.com>",
    "X-Custom: dropped",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain; charset=utf-8",
    "",
    "Here is the quote.",
    "--b",
    'Content-Type: application/pdf; name="quote.pdf"',
    'Content-Disposition: attachment; filename="quote.pdf"',
    "Content-Transfer-Encoding: base64",
    "",
    btoa("%PDF-1.4 quote"),
    "--b--",
    "",
  ].join("\r\n"),
);
const MAIL = { from: "info@relay.example.jp", to: "hanako.yamada@example.com", raw: RAW };

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: BodyInit | null | undefined;
}

function fake(answer: () => Promise<Response>): Seen[] {
  const seen: Seen[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = input instanceof Request ? input : null;
    seen.push({ url: request ? request.url : String(input), method: request?.method ?? init?.method ?? "GET", headers: new Headers(request?.headers ?? init?.headers), body: request ? await request.text() : init?.body });
    if (request?.signal && !init?.signal) init = { ...init, signal: request.signal };
    if (init?.signal) {
      return Promise.race([answer(), new Promise<Response>((_, reject) => init.signal!.addEventListener("abort", () => reject(init.signal!.reason)))]);
    }
    return answer();
  });
  return seen;
}

afterEach(() => vi.restoreAllMocks());

async function outcomes(mailer: Mailer) {
  const results = [];
  for (const answer of [() => Promise.resolve(new Response("{}", { status: 200 })), () => Promise.resolve(new Response("bad address", { status: 422 })), () => Promise.resolve(new Response("busy", { status: 503 })), () => new Promise<Response>(() => {})]) {
    vi.restoreAllMocks();
    fake(answer);
    results.push(await mailer.send(MAIL));
  }
  return results.map((r) => (r.ok ? "sent" : r.permanent ? "permanent" : "temporary"));
}

describe("HTTP mail providers", () => {
  it("Mailgun: the raw MIME, untouched, to /v3/<domain>/messages.mime with Basic auth", async () => {
    const seen = fake(async () => new Response("{}"));
    const mailer = mailgunMailer({ apiKey: "key-1", domain: "mg.example.jp", baseUrl: "https://mailgun.test", timeoutMs: 50 });
    expect(await mailer.send(MAIL)).toEqual({ ok: true });
    expect(seen[0].url).toBe("https://mailgun.test/v3/mg.example.jp/messages.mime");
    expect(seen[0].method).toBe("POST");
    expect(seen[0].headers.get("authorization")).toBe(`Basic ${btoa("api:key-1")}`);
    const form = seen[0].body as FormData;
    expect(form.get("to")).toBe("hanako.yamada@example.com");
    expect(new Uint8Array(await (form.get("message") as unknown as Blob).arrayBuffer())).toEqual(RAW);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("Resend: JSON with threading headers and base64 attachments; custom headers are lost", async () => {
    const seen = fake(async () => new Response('{"id":"x"}'));
    const mailer = resendMailer({ apiKey: "re_1", baseUrl: "https://resend.test", timeoutMs: 50 });
    await mailer.send(MAIL);
    expect(seen[0].url).toBe("https://resend.test/emails");
    expect(seen[0].headers.get("authorization")).toBe("Bearer re_1");
    const body = JSON.parse(String(seen[0].body));
    expect(body).toMatchObject({ from: '"Example Support Desk" <info@relay.example.jp>', to: ["hanako.yamada@example.com"], reply_to: "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp", subject: "見積書", text: "Here is the quote.\n" });
    expect(body.headers).toEqual({ "Message-ID": "<m1@relay.example.jp>", "In-Reply-To": "<hy-1@mail.example.com>", References: "<hy-1@mail.example.com>" });
    expect(body.attachments).toEqual([{ filename: "quote.pdf", content: btoa("%PDF-1.4 quote"), content_type: "application/pdf" }]);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("Postmark: its JSON with X-Postmark-Server-Token and the message stream", async () => {
    const seen = fake(async () => new Response('{"ErrorCode":0}'));
    const mailer = postmarkMailer({ apiKey: "pm-1", baseUrl: "https://postmark.test", stream: "outbound", timeoutMs: 50 });
    await mailer.send(MAIL);
    expect(seen[0].url).toBe("https://postmark.test/email");
    expect(seen[0].headers.get("x-postmark-server-token")).toBe("pm-1");
    const body = JSON.parse(String(seen[0].body));
    expect(body).toMatchObject({ From: '"Example Support Desk" <info@relay.example.jp>', To: "hanako.yamada@example.com", Subject: "見積書", TextBody: "Here is the quote.\n", MessageStream: "outbound", ReplyTo: "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp" });
    expect(body.Headers).toContainEqual({ Name: "In-Reply-To", Value: "<hy-1@mail.example.com>" });
    expect(body.Attachments).toEqual([{ Name: "quote.pdf", Content: btoa("%PDF-1.4 quote"), ContentType: "application/pdf" }]);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("SendGrid v3: personalizations, content, headers without Message-ID (SendGrid sets its own)", async () => {
    const seen = fake(async () => new Response(null, { status: 202 }));
    const mailer = sendgridMailer({ apiKey: "SG.1", baseUrl: "https://sendgrid.test", timeoutMs: 50 });
    expect(await mailer.send(MAIL)).toEqual({ ok: true });
    expect(seen[0].url).toBe("https://sendgrid.test/v3/mail/send");
    expect(seen[0].headers.get("authorization")).toBe("Bearer SG.1");
    const body = JSON.parse(String(seen[0].body));
    expect(body.personalizations).toEqual([{ to: [{ email: "hanako.yamada@example.com" }] }]);
    expect(body.from).toEqual({ email: "info@relay.example.jp", name: "Example Support Desk" });
    // SendGrid refuses Reply-To as a header (400): it travels as its own field.
    expect(body.reply_to).toEqual({ email: "r-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@relay.example.jp" });
    expect(body.content).toEqual([{ type: "text/plain", value: "Here is the quote.\n" }]);
    expect(body.headers).toEqual({ "In-Reply-To": "<hy-1@mail.example.com>", References: "<hy-1@mail.example.com>" });
    expect(body.attachments).toEqual([{ content: btoa("%PDF-1.4 quote"), filename: "quote.pdf", type: "application/pdf", disposition: "attachment" }]);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("Amazon SES v2: the raw MIME as Content.Raw.Data, SigV4-signed for ses in the region", async () => {
    const seen = fake(async () => new Response('{"MessageId":"x"}'));
    const mailer = sesMailer({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", region: "ap-northeast-1", baseUrl: "https://ses.test", timeoutMs: 50 });
    expect(await mailer.send(MAIL)).toEqual({ ok: true });
    expect(seen[0].url).toBe("https://ses.test/v2/email/outbound-emails");
    expect(seen[0].method).toBe("POST");
    expect(seen[0].headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/ap-northeast-1\/ses\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/);
    expect(seen[0].headers.get("x-amz-date")).toMatch(/^\d{8}T\d{6}Z$/);
    const body = JSON.parse(String(seen[0].body));
    expect(body.FromEmailAddress).toBe("info@relay.example.jp");
    expect(body.Destination).toEqual({ ToAddresses: ["hanako.yamada@example.com"] });
    expect(Uint8Array.from(atob(body.Content.Raw.Data), (c) => c.charCodeAt(0))).toEqual(RAW);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("Cloudflare Email Service REST API: send_raw with the raw MIME as mime_message, Bearer token", async () => {
    const seen = fake(async () => Response.json({ success: true, errors: [], messages: [], result: { delivered: ["hanako.yamada@example.com"], permanent_bounces: [], queued: [] } }));
    const mailer = cloudflareApiMailer({ accountId: "acc123", apiToken: "cf-token", baseUrl: "https://cf.test/client/v4", timeoutMs: 50 });
    expect(await mailer.send(MAIL)).toEqual({ ok: true });
    expect(seen[0].url).toBe("https://cf.test/client/v4/accounts/acc123/email/sending/send_raw");
    expect(seen[0].method).toBe("POST");
    expect(seen[0].headers.get("authorization")).toBe("Bearer cf-token");
    expect(seen[0].headers.get("content-type")).toBe("application/json");
    const body = JSON.parse(String(seen[0].body));
    expect(Object.keys(body).sort()).toEqual(["from", "mime_message", "recipients"]);
    expect(body.from).toBe("info@relay.example.jp");
    expect(body.recipients).toEqual(["hanako.yamada@example.com"]);
    // Nothing is lost: the MIME goes as built, custom headers and structure included.
    expect(new TextEncoder().encode(body.mime_message)).toEqual(RAW);
    expect(await outcomes(mailer)).toEqual(["sent", "permanent", "temporary", "temporary"]);
  });

  it("Cloudflare Email Service REST API: a permanent bounce or success=false on HTTP 200 is permanent; errors keep codes only", async () => {
    const mailer = cloudflareApiMailer({ accountId: "acc123", apiToken: "cf-token", baseUrl: "https://cf.test/client/v4", timeoutMs: 50 });
    fake(async () => Response.json({ success: true, errors: [], result: { delivered: [], permanent_bounces: ["Hanako.Yamada@example.com"], queued: [] } }));
    expect(await mailer.send(MAIL)).toEqual({ ok: false, permanent: true, error: "550 permanent bounce" });
    vi.restoreAllMocks();
    fake(async () => Response.json({ success: false, errors: [{ code: 10001, message: "hanako.yamada@example.com is not allowed" }], result: null }));
    expect(await mailer.send(MAIL)).toEqual({ ok: false, permanent: true, error: "HTTP 200 success=false 10001" });
    vi.restoreAllMocks();
    fake(async () => Response.json({ success: false, errors: [{ code: 10000, message: "Authentication error for hanako.yamada@example.com" }] }, { status: 403 }));
    expect(await mailer.send(MAIL)).toEqual({ ok: false, permanent: true, error: "HTTP 403 10000" });
    vi.restoreAllMocks();
    fake(async () => Response.json({ success: false, errors: [{ code: 971 }] }, { status: 429 }));
    expect(await mailer.send(MAIL)).toEqual({ ok: false, permanent: false, error: "HTTP 429 971" });
  });

  it("Cloudflare Email Service REST API: an 8-bit Shift_JIS part goes as base64 (a JSON string cannot carry it); non-UTF-8 header bytes are refused unsent", async () => {
    const seen = fake(async () => Response.json({ success: true, result: { delivered: ["hanako.yamada@example.com"], permanent_bounces: [], queued: [] } }));
    const mailer = cloudflareApiMailer({ accountId: "a", apiToken: "t", baseUrl: "https://cf.test" });
    const sjis = [0x82, 0xa0, 0x82, 0xa2];
    const head = "Subject: sjis\r\nContent-Type: text/plain; charset=shift_jis\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
    expect(await mailer.send({ ...MAIL, raw: Uint8Array.from([...new TextEncoder().encode(head), ...sjis, 13, 10]) })).toEqual({ ok: true });
    expect(JSON.parse(String(seen[0].body)).mime_message).toBe(`${head.replace("8bit", "base64")}${btoa(String.fromCharCode(...sjis, 13, 10))}`);
    const refused = await mailer.send({ ...MAIL, raw: Uint8Array.from([...new TextEncoder().encode("Subject: "), ...sjis, 13, 10, 13, 10, 0x78, 13, 10]) });
    expect(refused).toMatchObject({ ok: false, permanent: true });
    expect(seen).toHaveLength(1);
  });
});
