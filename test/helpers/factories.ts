/** Builds state through the product's own API, confirmation links included. */
import { expect } from "vitest";
import { api, outbox } from "./relay";

export interface AddressFixture {
  id: string;
  address: string;
  recipients: string[];
}

export async function makeAddress(overrides: { address?: string; displayName?: string; recipients?: string[]; verify?: boolean } = {}): Promise<AddressFixture> {
  const address = overrides.address ?? "info@relay.example.jp";
  const created = await api("POST", "/api/addresses", { address, displayName: overrides.displayName ?? "Example Support Desk" });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  const recipients = overrides.recipients ?? ["staff.one@example.net", "staff.two@example.net"];
  for (const email of recipients) {
    const res = await api("POST", `/api/addresses/${id}/recipients`, { email });
    expect(res.status).toBe(201);
    if (overrides.verify === false) continue;
    const mail = (await outbox()).find((o) => o.kind === "verification" && o.envelopeTo === email);
    const link = mail?.raw.match(/http:\/\/relay\.test\/verify\/([a-z2-7]+)/);
    expect(link, `confirmation link for ${email}`).toBeTruthy();
    const verified = await api("POST", `/verify/${link![1]}`, undefined, { accept: "application/json" });
    expect(verified.status).toBe(200);
  }
  return { id, address, recipients };
}

/** Storage is isolated per test file, not per test: each test starts from empty tables. */
export async function resetDatabase(): Promise<void> {
  const { env } = await import("cloudflare:workers");
  await env.DB.batch(["outbox", "messages", "reverse_aliases", "contacts", "recipients", "public_addresses", "deleted_aliases", "users", "audit_log", "api_keys", "sender_rules", "domains", "usage", "forms", "pending_submissions", "sessions", "sign_in_links", "message_bodies", "accounts WHERE id <> 'acct_default'"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
}
