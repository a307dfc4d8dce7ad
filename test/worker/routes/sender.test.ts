/**
 * /api/addresses/:id/sender: a public address's own sender. Admin-only and account-scoped,
 * validated, audited; the SMTP password is sealed at rest and never shown again.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../../worker/index";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";

const server = inject("smtp");
const SMTP = { host: "SMTP.Customer.Example.COM", port: 587, username: "desk@customer.example", password: "s3cret-Passw0rd" };

describe("per-address sender", () => {
  beforeEach(resetDatabase);

  it("starts at the default, takes own SMTP settings (password sealed, never shown), and resets", async () => {
    const { id } = await makeAddress();
    expect(await (await api("GET", `/api/addresses/${id}/sender`)).json()).toEqual({ mailer: null, defaultMailer: "outbox", smtp: null, providers: ["cloudflare"] });

    const put = await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: SMTP });
    expect(put.status).toBe(200);
    const shown = { mailer: "smtp", defaultMailer: "outbox", smtp: { host: "smtp.customer.example.com", port: 587, secure: false, username: "desk@customer.example" }, providers: ["cloudflare"] };
    const putText = await put.text();
    expect(JSON.parse(putText)).toEqual(shown);
    expect(putText).not.toContain(SMTP.password);
    expect(await (await api("GET", `/api/addresses/${id}/sender`)).json()).toEqual(shown);

    const row = await env.DB.prepare("SELECT mailer, smtp_enc FROM public_addresses WHERE id = ?").bind(id).first<{ mailer: string; smtp_enc: string }>();
    expect(row!.mailer).toBe("smtp");
    expect(row!.smtp_enc).toMatch(/^k1:[A-Za-z0-9+/=]+$/);
    expect(row!.smtp_enc).not.toContain(SMTP.password);
    expect(row!.smtp_enc).not.toContain("customer.example");

    const audit = await (await api("GET", "/api/audit")).json();
    expect(audit.map((a: { action: string; target: string }) => [a.action, a.target])).toContainEqual(["address.sender:smtp", id]);
    expect(JSON.stringify(audit)).not.toContain(SMTP.password);

    const reset = await api("DELETE", `/api/addresses/${id}/sender`);
    expect([reset.status, await reset.json()]).toEqual([200, { mailer: null, defaultMailer: "outbox", smtp: null, providers: ["cloudflare"] }]);
    // The OpenAPI document promises what the route answers (the web client reads the body).
    const doc = await (await api("GET", "/api/openapi.json")).json();
    expect(Object.keys(doc.paths["/api/addresses/{id}/sender"].delete.responses).filter((s) => s.startsWith("2"))).toEqual(["200"]);
    expect(await env.DB.prepare("SELECT mailer, smtp_enc FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ mailer: null, smtp_enc: null });
  });

  it("port 465 means implicit TLS unless told otherwise; a configured provider may be chosen", async () => {
    const { id } = await makeAddress();
    const tls = await (await api("PUT", `/api/addresses/${id}/sender`, { mailer: "smtp", smtp: { ...SMTP, port: 465 } })).json();
    expect(tls.smtp).toEqual({ host: "smtp.customer.example.com", port: 465, secure: true, username: SMTP.username });
    // The test worker has the SEND_EMAIL binding (wrangler.toml), so "cloudflare" is configured.
    expect(await (await api("PUT", `/api/addresses/${id}/sender`, { mailer: "cloudflare" })).json()).toEqual({ mailer: "cloudflare", defaultMailer: "outbox", smtp: null, providers: ["cloudflare"] });
    expect(await env.DB.prepare("SELECT smtp_enc FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ smtp_enc: null });
  });

  it("offers exactly the providers this relay holds a key or binding for", async () => {
    const { id } = await makeAddress();
    const providersWith = async (extra: Record<string, string>) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(new Request(`http://relay.test/api/addresses/${id}/sender`, { headers: { authorization: "Bearer test-admin-token" } }) as never, { ...env, ...extra } as never, ctx);
      await waitOnExecutionContext(ctx);
      return ((await res.json()) as { providers: string[] }).providers;
    };
    expect(await providersWith({})).toEqual(["cloudflare"]);
    expect(await providersWith({ MAIL_API_KEY: "key" })).toEqual(["cloudflare", "resend", "postmark", "sendgrid"]);
    expect(await providersWith({ MAIL_API_KEY: "key", MAILGUN_DOMAIN: "mg.example.jp", CF_ACCOUNT_ID: "abc", AWS_REGION: "ap-northeast-1", AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s" })).toEqual(["cloudflare", "cloudflare-api", "mailgun", "resend", "postmark", "sendgrid", "ses"]);
  });

  it("with an HTTP provider as MAILER, MAIL_API_KEY is that provider's key: no other keyed provider is offered or accepted", async () => {
    const { id } = await makeAddress();
    const call = async (method: string, body?: unknown) => {
      const ctx = createExecutionContext();
      const init = { method, headers: { authorization: "Bearer test-admin-token", "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) };
      const res = await worker.fetch(new Request(`http://relay.test/api/addresses/${id}/sender`, init) as never, { ...env, MAILER: "resend", MAIL_API_KEY: "re_key", MAILGUN_DOMAIN: "mg.example.jp" } as never, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect(((await (await call("GET")).json()) as { providers: string[] }).providers).toEqual(["cloudflare", "resend"]);
    const refused = await call("PUT", { mailer: "sendgrid" });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([422, "sender_unavailable"]);
    expect((await call("PUT", { mailer: "resend" })).status).toBe(200);
  });

  it("refuses bad input with 400 and a provider this relay has no key for with 422", async () => {
    const { id } = await makeAddress();
    const cases: [unknown, number, string][] = [
      [{ mailer: "carrier-pigeon" }, 400, "invalid_request"],
      [{ mailer: "smtp" }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, password: undefined } }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, host: "smtp.example.com:25" } }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, host: "smtp.example.com\r\nRCPT TO:<x@y>" } }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, port: 70000 } }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, port: 25 } }, 400, "invalid_smtp_host"],
      [{ mailer: "smtp", smtp: { ...SMTP, username: "a\r\nb" } }, 400, "invalid_request"],
      [{ mailer: "smtp", smtp: { ...SMTP, tls: true } }, 400, "unknown_field"],
      [{ mailer: "resend", apiKey: "x" }, 400, "unknown_field"],
      [{ mailer: "resend" }, 422, "sender_unavailable"],
      [{ mailer: "cloudflare-api" }, 422, "sender_unavailable"],
    ];
    for (const [body, status, code] of cases) {
      const res = await api("PUT", `/api/addresses/${id}/sender`, body);
      expect([JSON.stringify(body), res.status, (await res.json()).error.code]).toEqual([JSON.stringify(body), status, code]);
    }
    // The message names what is wrong.
    const messageOf = async (body: unknown) => (await (await api("PUT", `/api/addresses/${id}/sender`, body)).json()).error.message;
    expect(await messageOf({ mailer: "smtp" })).toMatch(/^smtp: /);
    expect(await messageOf({ mailer: "carrier-pigeon" })).toMatch(/^mailer: /);
    expect(await messageOf({ mailer: "smtp", smtp: { ...SMTP, port: 25 } })).toBe("smtp.port: Workers cannot connect to port 25; use 465 (implicit TLS) or 587");
    const notJson = await api("PUT", `/api/addresses/${id}/sender`, "{");
    expect([notJson.status, (await notJson.json()).error.code]).toEqual([400, "invalid_json"]);
    expect(await env.DB.prepare("SELECT mailer FROM public_addresses WHERE id = ?").bind(id).first()).toEqual({ mailer: null });
  });

  it("is for the admin of the address's account only", async () => {
    const { id } = await makeAddress();
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await api(method, `/api/addresses/${id}/sender`, method === "PUT" ? { mailer: "outbox" } : undefined, {});
      expect([method, res.status, (await res.json()).error.code]).toEqual([method, 401, "unauthorized"]);
    }
    await env.DB.batch([
      env.DB.prepare("INSERT INTO accounts (id, name) VALUES ('acct_other', 'Other')"),
      env.DB.prepare("INSERT INTO public_addresses (id, account_id, address, domain) VALUES ('pa_other', 'acct_other', 'desk@other.example', 'other.example')"),
    ]);
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await api(method, `/api/addresses/pa_other/sender`, method === "PUT" ? { mailer: "smtp", smtp: { ...SMTP, port: server.port } } : undefined);
      expect([method, res.status]).toEqual([method, 404]);
    }
    expect(await env.DB.prepare("SELECT mailer FROM public_addresses WHERE id = 'pa_other'").first()).toEqual({ mailer: null });
  });
});
