import { describe, expect, it } from "vitest";
import { en } from "../../web/src/i18n/en";
import { ja } from "../../web/src/i18n/ja";
import { deliveryDetail } from "../../web/src/lib/delivery";

describe("delivery detail of an outbound message", () => {
  it("shows attempts and the last failure's codes with its phrase in the UI's language", () => {
    const failed = { state: "failed-permanent", attempts: 1, lastError: "550 5.1.1 the provider refused the message" };
    expect(deliveryDetail(failed, en)).toBe("1 attempt · 550 5.1.1 the mail provider refused the message");
    expect(deliveryDetail(failed, ja)).toBe("1回試行 · 550 5.1.1 配送業者がメールを拒否しました");
    const retrying = { state: "failed-temporary", attempts: 3, lastError: "the provider did not answer in time" };
    expect(deliveryDetail(retrying, en)).toBe("3 attempts · the mail provider did not answer in time");
    expect(deliveryDetail(retrying, ja)).toBe("3回試行 · 配送業者が時間内に応答しませんでした");
  });

  it("says nothing more for a sent or a not yet attempted message; an unknown phrase is shown as it is", () => {
    expect(deliveryDetail({ state: "sent", attempts: 4, lastError: null }, en)).toBe("");
    expect(deliveryDetail({ state: "queued", attempts: 0, lastError: null }, ja)).toBe("");
    expect(deliveryDetail({ state: "failed-permanent", attempts: 1, lastError: "stored message unreadable" }, en)).toBe("1 attempt · stored message unreadable");
  });
});
