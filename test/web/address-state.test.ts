import { describe, expect, it, vi } from "vitest";
import { ApiFailure, type FormEmbed, type PublicAddress, type Recipient, type Sender } from "../../web/src/lib/api";
import { AddressDetailState, previewRotation } from "../../web/src/lib/state/address-detail.svelte";
import { AddressFormsState } from "../../web/src/lib/state/address-forms.svelte";
import { AddressesState } from "../../web/src/lib/state/addresses.svelte";
import { SenderRulesState } from "../../web/src/lib/state/sender-rules.svelte";
import { senderChoice, SenderState } from "../../web/src/lib/state/sender.svelte";

const refused = (status: number, code: string, message: string) => Promise.reject(new ApiFailure(status, code, message));

function address(id: string, overrides: Partial<PublicAddress> = {}): PublicAddress {
  return { id, address: `${id}@relay.example.jp`, displayName: id, status: "active", retentionDays: 30, noticeBanner: null, aliasIdleDays: null, recipientCount: 0, createdAt: 1, ...overrides };
}

function mailbox(id: string, email: string, verified = true): Recipient {
  return { id, email, kind: "mailbox", verified, createdAt: 1 };
}

/** A fake recipients API over one list, as the server keeps it. */
function recipientsApi(initial: Recipient[]) {
  let rows = [...initial];
  return {
    recipients: vi.fn(async () => rows),
    inviteRecipient: vi.fn(async (_id: string, email: string) => {
      const r = mailbox(`r${rows.length + 1}`, email, false);
      rows = [...rows, r];
      return r;
    }),
    rotateRecipients: vi.fn(async (_id: string, emails: string[]) => {
      const kept = rows.filter((r) => r.kind === "webhook" || emails.includes(r.email));
      const added = emails.filter((e) => !rows.some((r) => r.email === e)).map((e, i) => mailbox(`n${i}`, e, false));
      const removed = rows.length - kept.length;
      rows = [...kept, ...added];
      return { added: added.length, removed, kept: kept.filter((r) => r.kind === "mailbox").length };
    }),
    removeRecipient: vi.fn(async (_id: string, rid: string) => void (rows = rows.filter((r) => r.id !== rid))),
    resendInvitation: vi.fn(async () => refused(409, "already_verified", "This recipient has already confirmed")),
    addWebhook: vi.fn(async (_id: string, url: string) => {
      rows = [...rows, { id: "w1", email: url, kind: "webhook", verified: true, createdAt: 2 }];
      return { id: "w1", kind: "webhook" as const, url, verified: true, secret: "whsec_first" };
    }),
    rotateWebhookSecret: vi.fn(async (_id: string, rid: string) => ({ id: rid, secret: "whsec_second" })),
    keys: vi.fn(async (_id: string, rid: string) => (rid === "r1" ? [{ id: "k0", label: "old", createdAt: 1, revokedAt: null }, { id: "kx", label: "gone", createdAt: 1, revokedAt: 5 }] : [])),
    createKey: vi.fn(async (_id: string, _rid: string, label: string) => ({ id: "k1", key: "km_secretkey", label })),
    revokeKey: vi.fn(async () => undefined),
  };
}

describe("AddressesState", () => {
  it("creates, sends only the changed settings, disables and deletes", async () => {
    const api = {
      addresses: vi.fn(async () => [address("info", { recipientCount: 2 })]),
      createAddress: vi.fn(async (a: string, displayName: string) => address(a.split("@")[0], { displayName })),
      updateAddress: vi.fn(async (id: string, patch: Partial<PublicAddress>) => ({ ...address(id), ...patch, recipientCount: 0 })),
      deleteAddress: vi.fn(async () => undefined),
    };
    const state = new AddressesState(api);
    await state.load();
    const created = await state.create("  desk@relay.example.jp ", " Front desk ");
    expect(api.createAddress).toHaveBeenCalledWith("desk@relay.example.jp", "Front desk");
    expect([created?.id, state.items.map((a) => a.id)]).toEqual(["desk", ["info", "desk"]]);

    expect(await state.update("info", { displayName: "info", retentionDays: 90, noticeBanner: "Do not send passwords" })).toBe(true);
    expect(api.updateAddress).toHaveBeenLastCalledWith("info", { retentionDays: 90, noticeBanner: "Do not send passwords" });
    expect(state.byId("info")).toMatchObject({ retentionDays: 90, noticeBanner: "Do not send passwords", recipientCount: 2 });
    expect(await state.update("info", { retentionDays: 90 })).toBe(true);
    expect(api.updateAddress).toHaveBeenCalledTimes(1);

    await state.setStatus("info", "disabled");
    expect(api.updateAddress).toHaveBeenLastCalledWith("info", { status: "disabled" });
    expect(state.byId("info")?.status).toBe("disabled");
    await state.remove("desk");
    expect(state.items.map((a) => a.id)).toEqual(["info"]);
  });

  it("keeps a refusal for the view: quota and bad banner", async () => {
    const state = new AddressesState({
      addresses: vi.fn(async () => [address("info")]),
      createAddress: vi.fn(async () => refused(403, "quota_addresses", "The Free plan allows 5 public addresses; this account has 5")),
      updateAddress: vi.fn(async () => refused(400, "invalid_request", "noticeBanner: must be a single line")),
      deleteAddress: vi.fn(async () => undefined),
    });
    await state.load();
    expect(await state.create("x@relay.example.jp", "")).toBeNull();
    expect(state.creating.error).toEqual({ status: 403, code: "quota_addresses", message: "The Free plan allows 5 public addresses; this account has 5" });
    expect(await state.update("info", { noticeBanner: "a" })).toBe(false);
    expect(state.saving.errorFor("info")?.code).toBe("invalid_request");
    expect(state.saving.errorFor("other")).toBeNull();
  });
});

describe("AddressDetailState (recipients)", () => {
  it("invites and reloads, shows a resend refusal on its row, removes", async () => {
    const api = recipientsApi([mailbox("r1", "a@example.net")]);
    const d = new AddressDetailState(api);
    await d.open("pa1");
    expect(await d.invite(" b@example.net ")).toBe(true);
    expect(api.inviteRecipient).toHaveBeenCalledWith("pa1", "b@example.net");
    expect(d.recipients.map((r) => [r.email, r.verified])).toEqual([["a@example.net", true], ["b@example.net", false]]);
    expect(await d.resend("r2")).toBe(false);
    expect(d.recipientRow.errorFor("r2")?.code).toBe("already_verified");
    expect(d.recipientRow.errorFor("r1")).toBeNull();
    await d.removeRecipient("r1");
    expect(d.recipientEmails).toEqual(["b@example.net"]);
  });

  it("previews a rotation and sends exactly the new set of mailboxes; webhooks stay", async () => {
    expect(previewRotation(["a@example.net", "b@example.net"], "B@example.net\n<c@example.net>, not-an-address; c@example.net")).toEqual({
      added: ["c@example.net"],
      removed: ["a@example.net"],
      kept: ["b@example.net"],
      invalid: ["not-an-address"],
    });
    const api = recipientsApi([mailbox("r1", "a@example.net"), mailbox("r2", "b@example.net"), { id: "w1", email: "https://hooks.example.com/x", kind: "webhook", verified: true, createdAt: 1 }]);
    const d = new AddressDetailState(api);
    await d.open("pa1");
    expect(d.recipientEmails).toEqual(["a@example.net", "b@example.net"]);
    expect(await d.rotate("b@example.net\nnope")).toBe(false);
    expect(await d.rotate("")).toBe(false);
    expect(api.rotateRecipients).not.toHaveBeenCalled();
    expect(await d.rotate("b@example.net\nc@example.net")).toBe(true);
    expect(api.rotateRecipients).toHaveBeenCalledWith("pa1", ["b@example.net", "c@example.net"]);
    expect(d.lastRotation).toEqual({ added: 1, removed: 1, kept: 1 });
    expect(d.recipients.map((r) => r.email)).toEqual(["b@example.net", "https://hooks.example.com/x", "c@example.net"]);
  });

  it("shows a webhook's secret and an API key once, and revokes the key", async () => {
    const api = recipientsApi([mailbox("r1", "a@example.net")]);
    const d = new AddressDetailState(api);
    await d.open("pa1");
    // Keys made earlier are listed (never their value); revoked ones are not.
    expect(d.keys).toEqual({ r1: [{ id: "k0", label: "old", createdAt: 1, revokedAt: null }] });
    await d.addWebhook(" https://crm.example.com/hook ");
    expect(api.addWebhook).toHaveBeenCalledWith("pa1", "https://crm.example.com/hook");
    expect(d.shownOnce).toEqual({ recipientId: "w1", label: "secret", value: "whsec_first" });
    expect(d.recipients.map((r) => r.kind)).toEqual(["mailbox", "webhook"]);
    await d.rotateSecret("w1");
    expect(d.shownOnce).toEqual({ recipientId: "w1", label: "secret", value: "whsec_second" });
    await d.createKey("r1", " CRM ");
    expect(api.createKey).toHaveBeenCalledWith("pa1", "r1", "CRM");
    expect(d.shownOnce).toEqual({ recipientId: "r1", label: "key", value: "km_secretkey" });
    expect(d.keys.r1.map((k) => [k.id, k.label, k.revokedAt])).toEqual([["k0", "old", null], ["k1", "CRM", null]]);
    expect(JSON.stringify(d.keys)).not.toContain("km_secretkey");
    await d.revokeKey("r1", "k1");
    expect(api.revokeKey).toHaveBeenCalledWith("pa1", "r1", "k1");
    expect([d.keys.r1.map((k) => k.id), d.shownOnce]).toEqual([["k0"], null]);
    // Another address forgets what was shown for this one.
    await d.createKey("r1", "again");
    await d.open("pa2");
    expect([d.keys.r1.map((k) => k.id), d.shownOnce]).toEqual([["k0"], null]);
  });
});

describe("SenderRulesState", () => {
  it("lists, adds, shows 409 rule_exists, removes", async () => {
    const api = {
      senderRules: vi.fn(async () => [{ id: "s1", kind: "allow" as const, pattern: "@example.com" }]),
      addSenderRule: vi.fn(async (_id: string, kind: "allow" | "block", pattern: string) => (pattern === "@example.com" ? refused(409, "rule_exists", "This address already has a rule for that pattern") : { id: "s2", kind, pattern })),
      deleteSenderRule: vi.fn(async () => undefined),
    };
    const rules = new SenderRulesState(api);
    await rules.open("pa1");
    expect(await rules.add("block", " spam@bad.example ")).toBe(true);
    expect(api.addSenderRule).toHaveBeenCalledWith("pa1", "block", "spam@bad.example");
    expect(rules.items.map((r) => `${r.kind}:${r.pattern}`)).toEqual(["allow:@example.com", "block:spam@bad.example"]);
    expect(await rules.add("block", "@example.com")).toBe(false);
    expect(rules.adding.error?.code).toBe("rule_exists");
    await rules.remove("s1");
    expect(api.deleteSenderRule).toHaveBeenCalledWith("pa1", "s1");
    expect(rules.items.map((r) => r.id)).toEqual(["s2"]);
  });
});

describe("AddressFormsState", () => {
  const embed = (id: string, publicAddress: string): FormEmbed => ({ id, name: `Form ${id}`, publicAddress, publicName: "", allowedOrigins: [], confirmSubmitter: true, turnstile: false, postUrl: `http://relay.test/f/${id}`, html: "<form>", fetch: "fetch()" });

  it("keeps the forms of the open address and lists a new one with its snippets", async () => {
    const all = [embed("f1", "info@relay.example.jp"), embed("f2", "other@relay.example.jp")];
    const api = {
      forms: vi.fn(async () => all),
      createForm: vi.fn(async (_id: string, form: { name: string }) => {
        all.push(embed("f3", "info@relay.example.jp"));
        return { id: "f3", postUrl: "http://relay.test/f/f3", allowedOrigins: [], confirmSubmitter: true, ...form };
      }),
      deleteForm: vi.fn(async (_id: string, formId: string) => (formId === "gone" ? refused(404, "not_found", "No such form") : undefined)),
    };
    const forms = new AddressFormsState(api);
    await forms.open("info@relay.example.jp");
    expect(forms.items.map((f) => f.id)).toEqual(["f1"]);
    expect(await forms.create("pa1", { name: "Contact", allowedOrigins: [], confirmSubmitter: true })).toBe(true);
    expect(api.createForm).toHaveBeenCalledWith("pa1", { name: "Contact", allowedOrigins: [], confirmSubmitter: true });
    expect(forms.items.map((f) => [f.id, f.postUrl])).toEqual([["f1", "http://relay.test/f/f1"], ["f3", "http://relay.test/f/f3"]]);
    expect(await forms.delete("pa1", "f1")).toBe(true);
    expect(api.deleteForm).toHaveBeenCalledWith("pa1", "f1");
    expect(forms.items.map((f) => f.id)).toEqual(["f3"]);
    expect(await forms.delete("pa1", "gone")).toBe(false);
    expect(forms.deleting.errorFor("gone")?.code).toBe("not_found");
  });
});

describe("SenderState", () => {
  const smtp = { host: " smtp.example.jp ", port: 587, secure: false, username: " desk ", password: "pw" };

  it("builds the PUT body, and names what is missing before asking the server", () => {
    expect(senderChoice("provider", "resend", smtp)).toEqual({ mailer: "resend" });
    expect(senderChoice("provider", "", smtp)).toEqual({ missing: "provider" });
    expect(senderChoice("smtp", "", smtp)).toEqual({ mailer: "smtp", smtp: { host: "smtp.example.jp", port: 587, secure: false, username: "desk", password: "pw" } });
    expect(senderChoice("smtp", "", { ...smtp, host: " " })).toEqual({ missing: "host" });
    expect(senderChoice("smtp", "", { ...smtp, port: 70000 })).toEqual({ missing: "port" });
    expect(senderChoice("smtp", "", { ...smtp, port: null })).toEqual({ missing: "port" });
    expect(senderChoice("smtp", "", { ...smtp, password: "" })).toEqual({ missing: "password" });
  });

  it("saves SMTP, shows an unconfigured provider's 422, and goes back to the default", async () => {
    const initial: Sender = { mailer: null, defaultMailer: "outbox", smtp: null, providers: ["cloudflare"] };
    const api = {
      sender: vi.fn(async () => initial),
      setSender: vi.fn(async (_id: string, choice: { mailer: string; smtp?: { host: string; port: number; username: string } }) =>
        choice.mailer === "smtp" ? { mailer: "smtp", defaultMailer: "outbox", smtp: { host: choice.smtp!.host, port: choice.smtp!.port, secure: false, username: choice.smtp!.username }, providers: ["cloudflare"] } : refused(422, "sender_unavailable", `The sender "${choice.mailer}" is not configured on this relay`),
      ),
      resetSender: vi.fn(async () => initial),
    };
    const s = new SenderState(api);
    await s.open("pa1");
    expect(s.sender).toEqual(initial);
    expect(await s.submit("smtp", "", { ...smtp, password: "" })).toBe(false);
    expect(s.saving.error).toEqual({ status: 400, code: "missing_password", message: "" });
    expect(api.setSender).not.toHaveBeenCalled();
    expect(await s.submit("smtp", "", smtp)).toBe(true);
    expect(s.sender).toEqual({ mailer: "smtp", defaultMailer: "outbox", smtp: { host: "smtp.example.jp", port: 587, secure: false, username: "desk" }, providers: ["cloudflare"] });
    expect(await s.submit("provider", "mailgun", smtp)).toBe(false);
    expect(s.saving.error?.code).toBe("sender_unavailable");
    expect(await s.submit("default", "", smtp)).toBe(true);
    expect(api.resetSender).toHaveBeenCalledWith("pa1");
    expect(s.sender?.mailer).toBeNull();
  });
});
