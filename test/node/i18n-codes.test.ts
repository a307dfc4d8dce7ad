/**
 * The web UI's words for the worker's refusals: a code without them shows the server's English
 * message in the Japanese UI. Every code thrown in worker/ needs words in both catalogues, unless
 * only scripts, forms and the operator's token can meet it.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { en } from "../../web/src/i18n/en";
import { ja } from "../../web/src/i18n/ja";

describe("error words", () => {
  it("every code the worker throws has words in both languages, unless only scripts and forms can meet it", () => {
    const notFromTheUi = new Set(["invalid_json", "unknown_field", "unknown_plan", "outbox_disabled", "index_key_mismatch", "origin_not_allowed", "invalid_field", "unsupported_media_type", "turnstile_failed", "rejected_as_spam", "not_delivered", "invalid_token", "key_unavailable", "too_large", "confirmation_pending",
      // The composer shows these itself (inbox state), not through the error catalogue.
      "send_refused", "attachments_too_large"]);
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../worker");
    const sources = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).map((f) => readFileSync(path.join(root, f), "utf8"));
    const thrown = new Set(sources.flatMap((text) => [...text.matchAll(/new ApiError\("([a-z_]+)"/g)].map((m) => m[1])));
    expect(thrown.size).toBeGreaterThan(30);
    expect([...thrown].filter((c) => !notFromTheUi.has(c) && (!en.errors[c] || !ja.errors[c]))).toEqual([]);
  });
});
