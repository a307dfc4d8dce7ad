import { describe, expect, it } from "vitest";
import { en } from "../../web/src/i18n/en";
import { ja } from "../../web/src/i18n/ja";
import { hrefFor, PAGES, pagesFor, parseRoute } from "../../web/src/lib/state/nav.svelte";

/** Every key path of a catalog ("recipients.shownOnce.key"); functions and strings are leaves. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keyPaths(v, prefix ? `${prefix}.${k}` : k)).sort();
}

describe("strings", () => {
  it("ja and en have exactly the same keys, at every depth", () => {
    const enKeys = keyPaths(en);
    expect(enKeys.length).toBeGreaterThan(250);
    expect(keyPaths(ja)).toEqual(enKeys);
  });

  it("a message function gives text in both languages, and usage reads as 'used / limit'", () => {
    expect(en.account.of(1, 5)).toBe("1 / 5");
    expect(ja.account.of(1, 5)).toBe("1 / 5");
    expect(ja.recipients.rotated({ added: 2, removed: 1, kept: 3 })).toBe("招待 2 件、削除 1 件、維持 3 件。");
    expect(en.domains.confirmDelete("acme.example.org")).toContain("acme.example.org");
    // Forms are made by the account's admins; the operator (the service) has no hand in them.
    expect(en.noForms).toContain("An admin of the account");
    expect(ja.noForms).toContain("管理者");
  });

  it("every error code the API documents for the UI's routes has words in both languages", () => {
    const codes = ["quota_addresses", "quota_recipients", "quota_domains", "domain_not_verified", "verification_failed", "dns_unavailable", "domain_in_use", "domain_exists", "domain_taken", "last_owner", "address_exists", "recipient_exists", "rule_exists", "user_exists", "already_verified", "confirmation_mismatch", "invalid_address", "invalid_url", "sender_unavailable", "not_found", "forbidden", "unauthorized", "csrf", "reserved_address", "invalid_smtp_host", "operator_account", "not_a_mailbox", "empty_update"];
    expect(codes.filter((c) => !en.errors[c] || !ja.errors[c])).toEqual([]);
  });
});

describe("navigation by role", () => {
  it("members see their inbox, addresses and forms; admins manage the account; only owners see users", () => {
    expect(pagesFor("member")).toEqual(["inbox", "me", "forms"]);
    expect(pagesFor("admin")).toEqual(["inbox", "me", "forms", "addresses", "domains", "audit", "account"]);
    expect(pagesFor("owner")).toEqual([...PAGES.filter((p) => p !== "users"), "users"]);
    expect(pagesFor(undefined)).toEqual(["inbox", "me", "forms"]);
    expect(pagesFor("operator")).toEqual(["inbox", "me", "forms"]);
  });

  it("reads the page and the address id from the hash", () => {
    expect(parseRoute("#/addresses/a%2Fb", "admin")).toEqual({ page: "addresses", addressId: "a/b" });
    expect(parseRoute("#/addresses", "owner")).toEqual({ page: "addresses", addressId: null });
    expect(parseRoute("#/users", "owner")).toEqual({ page: "users", addressId: null });
    expect(parseRoute("#/domains/x", "admin")).toEqual({ page: "domains", addressId: null });
    expect(hrefFor("addresses", "a/b")).toBe("#/addresses/a%2Fb");
    expect(parseRoute(hrefFor("addresses", "a/b"), "admin").addressId).toBe("a/b");
  });

  it("refuses pages above the role: the inbox is shown instead", () => {
    for (const page of ["addresses", "domains", "audit", "account", "users"]) expect(parseRoute(`#/${page}`, "member")).toEqual({ page: "inbox", addressId: null });
    expect(parseRoute("#/addresses/abc", "member")).toEqual({ page: "inbox", addressId: null });
    expect(parseRoute("#/users", "admin")).toEqual({ page: "inbox", addressId: null });
    expect(parseRoute("#/nonsense", "owner")).toEqual({ page: "inbox", addressId: null });
    expect(parseRoute("", "owner")).toEqual({ page: "inbox", addressId: null });
    expect(parseRoute("#/me", "member")).toEqual({ page: "me", addressId: null });
  });
});
