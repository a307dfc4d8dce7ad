/**
 * Attack: a contact's address smuggled into every field of a webhook payload through the
 * encodings a receiving system will decode (RFC 2047 words split across words, RFC 2231
 * percent-encoded filenames, quoted-printable soft breaks, HTML entities, percent-encoded mailto).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject } from "../../helpers/relay";
import { addWebhook, deliveries, routeHooksToReceiver, scriptReceiver } from "../../helpers/webhooks";

beforeAll(routeHooksToReceiver);
afterAll(() => vi.restoreAllMocks());

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

function hostile(): string {
  return [
    `From: =?UTF-8?B?${b64(`Hanako ${HANAKO}`)}?= <${HANAKO}>`,
    `To: <${PUBLIC}>`,
    `Subject: =?UTF-8?Q?hanako.yamada=40?= =?UTF-8?Q?example.com?= =?UTF-8?B?${b64(" / HANAKO.YAMADA@EXAMPLE.COM")}?=`,
    "Message-ID: <hostile-1@mail.example.com>",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="b1"',
    "",
    "--b1",
    'Content-Type: multipart/alternative; boundary="b2"',
    "",
    "--b2",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "Write to hanako.yama=",
    "da=40example.com please.",
    "--b2",
    "Content-Type: text/html; charset=utf-8",
    "",
    `<p>hanako.yamada&#x40;example&#46;com <a href="mailto:hanako.yamada%40example.com">mail</a></p>`,
    "--b2--",
    "--b1",
    "Content-Type: text/plain; name*=utf-8''hanako.yamada%40example.com.txt",
    "Content-Disposition: attachment; filename*=utf-8''hanako.yamada%40example.com.txt",
    "",
    "card",
    "--b1",
    `Content-Type: text/plain; name="=?UTF-8?B?${b64(`${HANAKO}.vcf`)}?="`,
    `Content-Disposition: attachment; filename="=?UTF-8?B?${b64(`${HANAKO}.vcf`)}?="`,
    "",
    "card",
    "--b1--",
    "",
  ].join("\r\n");
}

describe("attack: webhook payload", () => {
  beforeEach(resetDatabase);

  it("carries no contact address in any field after every decoding layer", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE] });
    const hook = await addWebhook(id, "leaky");
    await scriptReceiver("leaky", hook.secret);
    const { rejected } = await inject({ from: HANAKO, to: PUBLIC, raw: hostile() });
    expect(rejected).toBeNull();
    const [delivery] = await deliveries("leaky");
    expect(delivery.signatureValid).toBe(true);
    const payload = JSON.parse(delivery.body);
    const fields = [payload.displayName, payload.subject, payload.text, payload.html, ...payload.attachments.map((a: { filename: string | null }) => a.filename ?? "")];
    const leaks = [];
    for (const field of fields) leaks.push(...(await findLeaks(`X: 1\r\n\r\n${field}`, [HANAKO])));
    expect(leaks).toEqual([]);
    expect(await findLeaks(delivery.body, [HANAKO])).toEqual([]);
    expect(payload.attachments.map((a: { filename: string }) => a.filename)).toHaveLength(2);
  });
});
