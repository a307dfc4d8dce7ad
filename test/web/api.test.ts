import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiFailure } from "../../web/src/lib/api";

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each call and answers `status` with `body` (JSON) or nothing (204). */
function fakeFetch(status: number, body?: unknown) {
  const calls: Call[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, body: init.body ? JSON.parse(String(init.body)) : undefined });
    return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("api", () => {
  it("sends the CSRF header with every call, and JSON bodies to the documented paths", async () => {
    const calls = fakeFetch(200, { id: "pa/1" });
    await api.updateAddress("pa/1", { noticeBanner: null });
    await api.setSender("pa/1", { mailer: "smtp", smtp: { host: "smtp.example.jp", port: 587, username: "desk", password: "pw" } });
    await api.addWebhook("pa/1", "https://hooks.example.com/x");
    await api.createKey("pa/1", "r1", "CRM");
    await api.removeMe("r 1");
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      "PATCH /api/addresses/pa%2F1",
      "PUT /api/addresses/pa%2F1/sender",
      "POST /api/addresses/pa%2F1/recipients",
      "POST /api/addresses/pa%2F1/recipients/r1/keys",
      "DELETE /api/session/me/recipients/r%201",
    ]);
    expect(calls.every((c) => c.headers["x-kakuremino"] === "1")).toBe(true);
    expect(calls.map((c) => c.body)).toEqual([
      { noticeBanner: null },
      { mailer: "smtp", smtp: { host: "smtp.example.jp", port: 587, username: "desk", password: "pw" } },
      { kind: "webhook", url: "https://hooks.example.com/x" },
      { label: "CRM" },
      undefined,
    ]);
    expect(calls[0].headers["content-type"]).toBe("application/json");
    expect(calls[4].headers["content-type"]).toBeUndefined();
  });

  it("turns the API's error shape into an ApiFailure, and a 204 into undefined", async () => {
    fakeFetch(409, { error: { code: "last_owner", message: "An account needs at least one owner" } });
    const failure = await api.removeUser("u1").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiFailure);
    expect(failure).toMatchObject({ status: 409, code: "last_owner", message: "An account needs at least one owner" });
    fakeFetch(502);
    await expect(api.audit()).rejects.toMatchObject({ status: 502, code: "http_error", message: "HTTP 502" });
    fakeFetch(204);
    expect(await api.deleteAddress("pa1")).toBeUndefined();
  });
});
