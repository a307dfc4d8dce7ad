/**
 * The README's webhook verification snippet, run as a receiver would run it, against signatures
 * made by the relay's own signer (worker/mail/webhook.ts): the documented scheme and the code
 * cannot drift apart.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { signWebhook } from "../../worker/mail/webhook";

type Verify = (secret: string, headers: Record<string, string>, rawBody: string, toleranceSeconds?: number) => boolean;

function readmeSnippet(): Verify {
  const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes("function verifyKakuremino"));
  expect(block, "README has the verification snippet").toBeTruthy();
  const body = block!.replace(/^import .*$/m, "");
  return new Function("createHmac", "timingSafeEqual", "Buffer", `${body}\nreturn verifyKakuremino;`)(createHmac, timingSafeEqual, Buffer);
}

describe("README webhook verification snippet", () => {
  const verify = readmeSnippet();
  const secret = "whsec_abcdefghijklmnopqrstuvwxyz234567";
  const body = JSON.stringify({ reverseAlias: "r-x@relay.example.jp", subject: "日記について", text: "こんにちは" });

  it("accepts the relay's signature over timestamp and body", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = { "x-kakuremino-timestamp": timestamp, "x-kakuremino-signature": await signWebhook(secret, timestamp, body) };
    expect(headers["x-kakuremino-signature"]).toBe(`v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`);
    expect(verify(secret, headers, body)).toBe(true);
  });

  it("refuses another body, another secret, a stale timestamp and a missing signature", async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const signed = async (t: string) => ({ "x-kakuremino-timestamp": t, "x-kakuremino-signature": await signWebhook(secret, t, body) });
    expect(verify(secret, await signed(now), body.replace("こんにちは", "こんばんは"))).toBe(false);
    expect(verify("whsec_other", await signed(now), body)).toBe(false);
    const old = String(Math.floor(Date.now() / 1000) - 600);
    expect(verify(secret, await signed(old), body)).toBe(false);
    expect(verify(secret, { "x-kakuremino-timestamp": now }, body)).toBe(false);
  });
});
