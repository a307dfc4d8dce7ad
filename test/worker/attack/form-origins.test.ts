/**
 * Attack: a form's allowed origins given as a URL without a web origin (data:, javascript:,
 * file:, blob:) serialise to the origin "null" — which every sandboxed iframe on any site sends,
 * so any page could post to the form cross-origin. And a thank-you URL that is not http(s).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api } from "../../helpers/relay";

describe("attack: form origins", () => {
  beforeEach(resetDatabase);

  it("refuses allowed origins and thank-you URLs that are not http(s) web origins", async () => {
    const { id } = await makeAddress();
    const bad: Record<string, unknown>[] = [
      { allowedOrigins: ["data:text/html,<form>"] },
      { allowedOrigins: ["javascript:alert(1)"] },
      { allowedOrigins: ["file:///etc/passwd"] },
      { allowedOrigins: ["https://shop.example.com", "blob:https://x.example/1"] },
      { allowedOrigins: ["ftp://shop.example.com"] },
      { thankYouUrl: "javascript:alert(document.cookie)" },
      { thankYouUrl: "data:text/html,<script>alert(1)</script>" },
    ];
    for (const extra of bad) {
      const res = await api("POST", `/api/addresses/${id}/forms`, { name: "Contact", ...extra });
      expect([JSON.stringify(extra), res.status, (await res.json()).error.code]).toEqual([JSON.stringify(extra), 400, "invalid_request"]);
    }
    expect(await (await api("GET", `/api/addresses/${id}/forms`)).json()).toEqual([]);

    const ok = await api("POST", `/api/addresses/${id}/forms`, { name: "Contact", allowedOrigins: ["https://Shop.Example.com/contact", "http://localhost:5173"], thankYouUrl: "https://shop.example.com/thanks" });
    expect(ok.status).toBe(201);
    const [form] = await (await api("GET", `/api/addresses/${id}/forms`)).json();
    expect(form.allowedOrigins).toEqual(["https://shop.example.com", "http://localhost:5173"]);
    const preflight = await api("OPTIONS", `/f/${form.id}`, undefined, { origin: "null", "access-control-request-method": "POST" });
    expect(preflight.status).toBe(403);
  });
});
