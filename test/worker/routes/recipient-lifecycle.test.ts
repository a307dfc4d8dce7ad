/** Recipients: a fresh confirmation link on request, and a recipient removing itself. */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, authenticated, inject, outbox } from "../../helpers/relay";
import { signIn } from "../../helpers/sign-in";

function verifyLinks(raw: string): string[] {
  return [...raw.matchAll(/http:\/\/relay\.test\/verify\/([a-z2-7]+)/g)].map((m) => m[1]);
}

describe("recipient lifecycle", () => {
  beforeEach(resetDatabase);

  it("resends the confirmation: the new link works, the old one no longer does", async () => {
    const { id } = await makeAddress({ recipients: [STAFF_ONE], verify: false });
    const [recipient] = await (await api("GET", `/api/addresses/${id}/recipients`)).json();
    const [oldToken] = verifyLinks((await outbox()).find((o) => o.kind === "verification")!.raw);
    const resent = await api("POST", `/api/addresses/${id}/recipients/${recipient.id}/resend`);
    expect(resent.status).toBe(202);
    const mails = (await outbox()).filter((o) => o.kind === "verification" && o.envelopeTo === STAFF_ONE);
    expect(mails).toHaveLength(2);
    const [newToken] = verifyLinks(mails[0].raw);
    expect(newToken).not.toBe(oldToken);
    expect((await api("POST", `/verify/${oldToken}`, undefined, { accept: "application/json" })).status).toBe(404);
    expect((await api("POST", `/verify/${newToken}`, undefined, { accept: "application/json" })).status).toBe(200);
    const again = await api("POST", `/api/addresses/${id}/recipients/${recipient.id}/resend`);
    expect([again.status, (await again.json()).error.code]).toEqual([409, "already_verified"]);
    expect((await api("POST", `/api/addresses/${id}/recipients/nope/resend`)).status).toBe(404);
  });

  it("lets a recipient remove itself: its conversations, membership and session go and its alias is refused", async () => {
    const { alias } = await setUpConversation();
    const one = await signIn(STAFF_ONE);
    const me = await (await api("GET", "/api/session/me", undefined, one)).json();
    expect(me.recipients).toEqual([{ id: expect.any(String), address: PUBLIC, displayName: "Example Support Desk" }]);
    // Someone else's recipient row is not its to remove.
    const two = await signIn(STAFF_TWO);
    expect((await api("DELETE", `/api/session/me/recipients/${me.recipients[0].id}`, undefined, two)).status).toBe(404);
    expect((await api("DELETE", `/api/session/me/recipients/${me.recipients[0].id}`, undefined, { cookie: one.cookie })).status).toBe(403);

    expect((await api("DELETE", `/api/session/me/recipients/${me.recipients[0].id}`, undefined, one)).status).toBe(204);
    // Its only address in the account: the member user made at its sign-in goes with it, session
    // included, so it can neither go on reading nor appear among the account's users.
    expect((await api("GET", "/api/session/me", undefined, one)).status).toBe(401);
    expect((await api("GET", "/api/conversations", undefined, one)).status).toBe(401);
    // Its conversations went with it (the session that could list them did too).
    expect(await env.DB.prepare("SELECT count(*) AS n FROM reverse_aliases WHERE recipient_id = ?").bind(me.recipients[0].id).first("n")).toBe(0);
    expect((await (await api("GET", "/api/users")).json()).map((u: { email: string }) => u.email)).toEqual([STAFF_TWO]);
    expect((await (await api("GET", "/api/session/me", undefined, two)).json()).recipients).toEqual([{ id: expect.any(String), address: PUBLIC, displayName: "Example Support Desk" }]);
    const reply = await inject({ from: STAFF_ONE, to: alias, raw: authenticated(`From: ${STAFF_ONE}\r\nTo: <${alias}>\r\nSubject: Re\r\nMessage-ID: <late@example.net>\r\n\r\nstill here?\r\n`, STAFF_ONE) });
    expect(reply.rejected).toBe("550 5.1.1 This address no longer exists");
    // The public address goes on with the other recipient only.
    const next = await inject({ from: HANAKO, to: PUBLIC, raw: `From: ${HANAKO}\r\nTo: ${PUBLIC}\r\nSubject: again\r\nMessage-ID: <again@example.com>\r\n\r\nhello\r\n` });
    expect(next.sent.map((s) => s.envelopeTo)).toEqual([STAFF_TWO]);
    const audit = await (await api("GET", "/api/audit")).json();
    expect(audit[0]).toMatchObject({ action: "recipient.self-remove", target: me.recipients[0].id, actor: expect.stringMatching(/^user:/) });
  });
});
