/** The `cloudflare` mailer: raw MIME handed to the send_email binding (miniflare's local one). */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../../worker/index";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fakeEmail } from "../../helpers/fake-email";

describe("cloudflare mailer", () => {
  beforeEach(resetDatabase);

  it("sends every copy through SEND_EMAIL and records it as sent", async () => {
    await makeAddress();
    const cloudflareEnv = { ...env, MAILER: "cloudflare" };
    const message = fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: Hanako <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: via binding\r\nMessage-ID: <cf-1@example.com>\r\n\r\nhello\r\n` });
    const ctx = createExecutionContext();
    await worker.email(message, cloudflareEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(message.rejectedWith).toBeNull();
    const rows = await env.DB.prepare("SELECT state, last_error FROM outbox WHERE kind = 'relay'").all<{ state: string; last_error: string | null }>();
    expect(rows.results).toEqual([
      { state: "sent", last_error: null },
      { state: "sent", last_error: null },
    ]);
  });

  it("is a configuration error without the binding", async () => {
    const message = fakeEmail({ from: HANAKO, to: PUBLIC, raw: "Subject: x\r\n\r\nx\r\n" });
    await expect(worker.email(message, { ...env, MAILER: "cloudflare", SEND_EMAIL: undefined }, createExecutionContext())).rejects.toThrow(/SEND_EMAIL binding is missing/);
  });
});
