import { describe, expect, it, vi } from "vitest";
import { ApiFailure, type Api, type Conversation, type Thread } from "../../web/src/lib/api";
import { preferredLocale } from "../../web/src/lib/i18n.svelte";
import { InboxState, MAX_ATTACHMENT_BYTES } from "../../web/src/lib/state/inbox.svelte";
import { SessionState } from "../../web/src/lib/state/session.svelte";

function conversation(id: string, subject: string, unread = 0): Conversation {
  return { id, contactName: `name-${id}`, alias: `r-${id}@relay.example.jp`, publicAddress: "info@relay.example.jp", publicName: "Desk", subject, lastAt: 1, unread, messageCount: 1 };
}

function thread(id: string): Thread {
  return { id, contactName: "Hanako", alias: `r-${id}@relay.example.jp`, publicAddress: "info@relay.example.jp", publicName: "Desk", messages: [] };
}

function fakeApi(items: Conversation[]) {
  return {
    conversations: vi.fn(async (q: string, offset: number, address = "") => {
      const matching = items.filter((c) => c.subject.includes(q) && (!address || c.publicAddress === address));
      return { total: matching.length, offset, items: matching.slice(offset, offset + 2) };
    }),
    thread: vi.fn(async (id: string) => thread(id)),
    send: vi.fn(async (_id: string, _body: unknown, progress: (f: number) => void) => {
      progress(0.5);
      progress(1);
      return { id: "m1", state: "queued" };
    }),
  } satisfies Pick<Api, "conversations" | "thread" | "send">;
}

describe("InboxState", () => {
  it("loads a page, loads more, and searches", async () => {
    const api = fakeApi([conversation("a", "見積"), conversation("b", "請求"), conversation("c", "見積 2")]);
    const inbox = new InboxState(api);
    await inbox.load();
    expect(inbox.items.map((c) => c.id)).toEqual(["a", "b"]);
    expect(inbox.hasMore).toBe(true);
    await inbox.load(true);
    expect(inbox.items.map((c) => c.id)).toEqual(["a", "b", "c"]);
    expect(inbox.hasMore).toBe(false);
    await inbox.search("見積");
    expect(api.conversations).toHaveBeenLastCalledWith("見積", 0, "");
    expect(inbox.items.map((c) => c.id)).toEqual(["a", "c"]);
    await inbox.showAddress("other@relay.example.jp");
    expect(api.conversations).toHaveBeenLastCalledWith("見積", 0, "other@relay.example.jp");
    expect(inbox.items).toEqual([]);
  });

  it("moves with j/k within bounds and clears the unread count of what it opens", async () => {
    const inbox = new InboxState(fakeApi([conversation("a", "x", 2), conversation("b", "y", 1)]));
    await inbox.load();
    await inbox.move(1);
    expect(inbox.selectedId).toBe("a");
    expect(inbox.items[0].unread).toBe(0);
    await inbox.move(1);
    await inbox.move(1);
    expect(inbox.selectedId).toBe("b");
    await inbox.move(-5);
    expect(inbox.selectedId).toBe("a");
  });

  it("quotes the last message like a mail client when asked", () => {
    expect(InboxState.compose("Thanks", { name: "Hanako", text: "line 1\nline 2\n" })).toBe("Thanks\n\nHanako:\n> line 1\n> line 2\n");
    expect(InboxState.compose("Thanks", null)).toBe("Thanks");
  });

  it("reports upload progress, refuses oversized attachments before sending, and shows API errors", async () => {
    const api = fakeApi([conversation("a", "x")]);
    const inbox = new InboxState(api);
    await inbox.load();
    await inbox.open("a");
    expect(await inbox.send({ text: "hi", attachments: [] })).toBe(true);
    expect(inbox.progress).toBe(1);
    const big = "A".repeat(Math.ceil(((MAX_ATTACHMENT_BYTES + 3) / 3) * 4));
    expect(await inbox.send({ text: "hi", attachments: [{ filename: "a", contentType: "x/y", contentBase64: big }] })).toBe(false);
    expect(inbox.error).toBe("attachments_too_large");
    expect(api.send).toHaveBeenCalledTimes(1);
    api.send.mockRejectedValueOnce(new ApiFailure(422, "send_refused", "550 refused"));
    expect(await inbox.send({ text: "hi", attachments: [] })).toBe(false);
    expect(inbox.error).toBe("550 refused");
  });
});

describe("SessionState", () => {
  it("is signed out on 401 without showing an error, signed in otherwise", async () => {
    const me = { email: "staff.one@example.net", role: "member" as const, addresses: [] };
    const signedOut = new SessionState({ me: async () => Promise.reject(new ApiFailure(401, "unauthorized", "Sign in first")), requestLink: async () => ({ ok: true }), signOut: async () => undefined, removeMe: async () => undefined });
    await signedOut.load();
    expect([signedOut.status, signedOut.error]).toEqual(["signed-out", ""]);
    await signedOut.requestLink(" staff.one@example.net ");
    expect(signedOut.linkSent).toBe(true);
    const signedIn = new SessionState({ me: async () => me, requestLink: async () => ({ ok: true }), signOut: async () => undefined, removeMe: async () => undefined });
    await signedIn.load();
    expect(signedIn.status).toBe("signed-in");
    await signedIn.signOut();
    expect([signedIn.status, signedIn.me]).toEqual(["signed-out", null]);
  });

  it("takes the 401 after removing its last address as being signed out of the account, not as an error", async () => {
    const me = { email: "staff.one@example.net", role: "member" as const, addresses: [], recipients: [{ id: "r1", address: "a@relay.example.jp", displayName: "A" }, { id: "r2", address: "b@relay.example.jp", displayName: "B" }] };
    let rows = me.recipients;
    const removeMe = vi.fn(async (rid: string) => {
      rows = rows.filter((r) => r.id !== rid);
    });
    // The worker ends a member's session with its last recipient row in the account.
    const state = new SessionState({ me: async () => (rows.length ? { ...me, recipients: rows } : Promise.reject(new ApiFailure(401, "unauthorized", "Sign in first"))), requestLink: async () => ({ ok: true }), signOut: async () => undefined, removeMe });
    await state.load();
    expect(await state.removeMe("r1")).toBe(true);
    expect([state.status, state.me?.recipients, state.removedFromAccount]).toEqual(["signed-in", [me.recipients[1]], false]);
    expect(await state.removeMe("r2")).toBe(true);
    expect([state.status, state.me, state.removedFromAccount, state.leaving.error]).toEqual(["signed-out", null, true, null]);
    // Any other failure stays an error next to the button.
    const failing = new SessionState({ me: async () => Promise.reject(new ApiFailure(500, "internal", "Internal error")), requestLink: async () => ({ ok: true }), signOut: async () => undefined, removeMe: async () => undefined });
    expect(await failing.removeMe("r1")).toBe(false);
    expect([failing.removedFromAccount, failing.leaving.errorFor("r1")?.code]).toEqual([false, "internal"]);
  });
});

describe("language", () => {
  it("follows a saved choice, else the browser's languages", () => {
    expect(preferredLocale("en", ["ja-JP"])).toBe("en");
    expect(preferredLocale(null, ["en-US", "ja"])).toBe("ja");
    expect(preferredLocale(null, ["fr-FR"])).toBe("en");
  });
});
