/** Key rotation tests: the same worker run under other key secrets, and a scan of sealed columns. */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { SEALED_TABLES } from "../../db/queries/reseal";
import { toBase64 } from "../../worker/crypto/sealed";
import type { Env } from "../../worker/env";
import { fakeEmail } from "./fake-email";
import { ADMIN, type JsonResponse } from "./relay";

export const K1 = env.DATA_KEY!;
export const K2 = toBase64(new TextEncoder().encode("second-test-key-0123456789abcdef"));
export const K_WRONG = toBase64(new TextEncoder().encode("unrelated-test-key-0123456789abc"));

/** Rotated to k2, k1 still configured, the index key pinned to the original DATA_KEY. */
export const ROTATING: Env = { ...env, DATA_KEY: K2, DATA_KEY_ID: "k2", DATA_KEYS_OLD: `k1:${K1}`, INDEX_KEY: K1 };
/** After the re-seal: k1 removed. */
export const ROTATED: Env = { ...env, DATA_KEY: K2, DATA_KEY_ID: "k2", INDEX_KEY: K1 };

export async function apiAs(e: Env, method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN): Promise<JsonResponse> {
  const ctx = createExecutionContext();
  const init: RequestInit = { method, headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers } };
  if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
  const response = await worker.fetch(new Request(`http://relay.test${path}`, init) as never, e, ctx);
  await waitOnExecutionContext(ctx);
  return response as unknown as JsonResponse;
}

/** Runs email() under `e`; returns the SMTP rejection, if any. Errors propagate (the MTA retries). */
export async function injectAs(e: Env, input: { from: string; to: string; raw: string }): Promise<string | null> {
  const message = fakeEmail(input);
  const ctx = createExecutionContext();
  await worker.email(message, e, ctx);
  await waitOnExecutionContext(ctx);
  return message.rejectedWith;
}

export async function cronAs(e: Env): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), e, ctx);
  await waitOnExecutionContext(ctx);
}

/** Every non-null sealed value in the database, as "table.column" → values. */
export async function sealedValues(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const t of SEALED_TABLES) {
    for (const column of Object.values(t.columns)) {
      const rows = await env.DB.prepare(`SELECT ${column.name} AS v FROM ${t.name} WHERE ${column.name} IS NOT NULL`).all<{ v: string }>();
      out.set(`${t.name}.${column.name}`, rows.results.map((r) => r.v));
    }
  }
  return out;
}

/**
 * State with a value in every sealed column, all under k1 (the test DATA_KEY): a forwarded
 * message with HTML, a reply, a pending form submission, a signed-in user, plus the columns no
 * route writes yet (sender rules, SMTP mode, webhook secrets) sealed directly, and one outbox
 * row in the raw format from before key ids.
 */
export async function fillEverySealedColumn(): Promise<{ alias: string; addressId: string; session: Record<string, string> }> {
  const { api, authenticated, inject, outbox } = await import("./relay");
  const { setUpConversation, HANAKO, PUBLIC, STAFF_ONE } = await import("./cases");
  const { keyring } = await import("../../worker/crypto/sealed");
  const { alias, forwardId } = await setUpConversation();
  const html = ["From: Hanako Yamada <hanako.yamada@example.com>", `To: <${PUBLIC}>`, "Subject: Drawing", "Message-ID: <hy-0002@mail.example.com>", "MIME-Version: 1.0", 'Content-Type: multipart/alternative; boundary="b"', "", "--b", "Content-Type: text/plain", "", "See the drawing.", "--b", "Content-Type: text/html", "", "<p>See the <b>drawing</b>.</p>", "--b--", ""].join("\r\n");
  if ((await inject({ from: HANAKO, to: PUBLIC, raw: html })).rejected) throw new Error("html message refused");
  const reply = [`From: Staff One <${STAFF_ONE}>`, `To: <${alias}>`, "Subject: Re: Quote request", "Message-ID: <s1-0001@example.net>", `In-Reply-To: ${forwardId}`, "", "The revised quote is attached.", ""].join("\r\n");
  if ((await inject({ from: STAFF_ONE, to: alias, raw: authenticated(reply, STAFF_ONE) })).rejected) throw new Error("reply refused");
  const [pa] = await (await api("GET", "/api/addresses")).json();
  const form = await (await api("POST", `/api/addresses/${pa.id}/forms`, { name: "Inquiry" })).json();
  if ((await api("POST", `/f/${form.id}`, { name: "Yui", email: "yui@example.com", message: "Hello" }, {})).status !== 202) throw new Error("form post failed");
  if ((await api("POST", "/api/session/request", { email: STAFF_ONE }, {})).status !== 202) throw new Error("sign-in request failed");
  const link = (await outbox()).find((o) => o.kind === "sign-in")!.raw.match(/\/auth\/callback\?token=([a-z2-7]+)/)![1];
  const cookie = (await api("GET", `/auth/callback?token=${link}`, undefined, {})).headers.get("set-cookie")!.split(";")[0];

  const ring = await keyring(K1, "k1");
  await env.DB.batch([
    env.DB.prepare("INSERT INTO sender_rules (id, public_address_id, kind, pattern_hash, pattern_enc) VALUES ('rule1', ?, 'block', ?, ?)").bind(pa.id, await ring.index("@spam.example"), await ring.seal("@spam.example")),
    env.DB.prepare("UPDATE public_addresses SET smtp_enc = ?").bind(await ring.seal(JSON.stringify({ host: "smtp.example.jp", port: 465, password: "pw" }))),
    env.DB.prepare("UPDATE recipients SET webhook_secret_enc = ? WHERE rowid = (SELECT min(rowid) FROM recipients)").bind(await ring.seal("whsec-test")),
    // The raw format before key ids: bare base64.
    env.DB.prepare("UPDATE outbox SET raw_enc = substr(raw_enc, 4) WHERE rowid = (SELECT min(rowid) FROM outbox)"),
  ]);
  return { alias, addressId: pa.id, session: { cookie, "x-kakuremino": "1" } };
}
