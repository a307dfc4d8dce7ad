/** Turnstile on forms: siteverify faked at the HTTP boundary with Cloudflare's documented shape. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../../../worker/index";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";

const calls: URLSearchParams[] = [];

beforeAll(() => {
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url !== "https://challenges.cloudflare.com/turnstile/v0/siteverify") return realFetch(input, init);
    const form = new URLSearchParams(String(init?.body));
    calls.push(form);
    const success = form.get("secret") === "ts-secret" && form.get("response") === "good-token";
    return Response.json({ success, "error-codes": success ? [] : ["invalid-input-response"] });
  });
});
afterAll(() => vi.restoreAllMocks());

async function post(formId: string, body: Record<string, string>) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://relay.test/f/${formId}`, { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": "192.0.2.44" }, body: JSON.stringify(body) }) as never, { ...env, TURNSTILE_SECRET: "ts-secret" }, ctx);
  await waitOnExecutionContext(ctx);
  return res as unknown as Response;
}

describe("Turnstile", () => {
  it("accepts a verified token and refuses a failed or missing one", async () => {
    await resetDatabase();
    const { id } = await makeAddress();
    const form = (await (await api("POST", `/api/addresses/${id}/forms`, { name: "F" })).json()).id;
    const fields = { name: "Ken", email: "ken@example.com", message: "hi" };
    expect((await post(form, { ...fields, "cf-turnstile-response": "good-token" })).status).toBe(202);
    expect(calls[0].get("remoteip")).toBe("192.0.2.44");
    const failed = await post(form, { ...fields, "cf-turnstile-response": "bad-token" });
    expect(failed.status).toBe(403);
    expect(((await failed.json()) as { error: { code: string } }).error.code).toBe("turnstile_failed");
    expect((await post(form, fields)).status).toBe(403);
    expect(calls).toHaveLength(2);
  });
});
