/**
 * Attack: a tenant takes the service's own mailboxes on a service domain. The service mails
 * sign-in links and invitations from SERVICE_FROM (default no-reply@ the first service domain);
 * auto-replies and bounces quoting them come back to it. A tenant holding that address as a
 * public address would have them forwarded to its own recipients — sign-in links of other
 * accounts' users included. RFC 2142 / RFC 5321 §4.5.1 role mailboxes (postmaster, abuse…)
 * of the service domain likewise belong to the operator.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject } from "../../helpers/relay";
import { followLatestLink } from "../../helpers/sign-in";

const OWNER = "owner@tenant.example.org";

describe("attack: service mailboxes", () => {
  beforeEach(resetDatabase);

  it("a tenant cannot create the service's From address or role mailboxes on a service domain", async () => {
    expect((await api("POST", "/api/accounts", { name: "Tenant", plan: "free", ownerEmail: OWNER })).status).toBe(201);
    const owner = await followLatestLink(OWNER);
    for (const address of ["no-reply@relay.example.jp", "No-Reply@Relay.Example.JP", "postmaster@relay.example.jp", "abuse@relay.example.jp", "mailer-daemon@relay.example.jp", "hostmaster@relay.example.jp"]) {
      const res = await api("POST", "/api/addresses", { address, displayName: "Mine" }, owner);
      expect([address, res.status, (await res.json()).error?.code]).toEqual([address, 409, "reserved_address"]);
    }
    // Mail to the service's From address is still nobody's: an auto-reply quoting a link is refused.
    const autoReply = authenticated(`From: <someone@example.com>\r\nTo: <no-reply@relay.example.jp>\r\nSubject: Out of office\r\nMessage-ID: <ooo@example.com>\r\n\r\n> http://relay.test/auth/callback?token=abc\r\n`, "someone@example.com");
    expect((await inject({ from: "someone@example.com", to: "no-reply@relay.example.jp", raw: autoReply })).rejected).toBe("550 5.1.1 No such address here");
    expect((await api("POST", "/api/addresses", { address: "pta@relay.example.jp", displayName: "PTA" }, owner)).status).toBe(201);
  });
});
