/** Systems (an ePRO platform) hold only reverse aliases and answer through the API with a key. */
import PostalMime from "postal-mime";
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, STAFF_TWO, setUpConversation } from "../../helpers/cases";
import { resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { api, outbox, rawBytes } from "../../helpers/relay";

async function keyFor(email: string) {
  const [pa] = await (await api("GET", "/api/addresses")).json();
  const recipient = ((await (await api("GET", `/api/addresses/${pa.id}/recipients`)).json()) as { id: string; email: string }[]).find((r) => r.email === email)!;
  const res = await api("POST", `/api/addresses/${pa.id}/recipients/${recipient.id}/keys`, { label: "ePRO" });
  expect(res.status).toBe(201);
  const body = await res.json();
  expect(body.key).toMatch(/^km_[a-z2-7]{39}$/); // 24 random bytes, base32
  return { ...body, addressId: pa.id, recipientId: recipient.id } as { id: string; key: string; addressId: string; recipientId: string };
}

describe("system API keys", () => {
  beforeEach(resetDatabase);

  it("a key lists its recipient's conversations and sends to a reverse alias through the reply path", async () => {
    const { alias } = await setUpConversation();
    const { key } = await keyFor(STAFF_ONE);
    const auth = { authorization: `Bearer ${key}` };
    const list = await (await api("GET", "/api/conversations", undefined, auth)).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0].alias).toBe(alias);
    expect(JSON.stringify(list).toLowerCase()).not.toContain(HANAKO);
    const before = (await outbox()).length;
    const sent = await api("POST", `/api/conversations/${list.items[0].id}/messages`, { subject: "Your diary reminder", text: `Please fill in today's diary. Questions: ${STAFF_ONE}`, html: "<p>Please fill in today's diary.</p>" }, auth);
    expect(sent.status).toBe(201);
    const out = (await outbox()).slice(0, (await outbox()).length - before);
    expect(out.map((o) => [o.envelopeTo, o.envelopeFrom])).toEqual([[HANAKO, PUBLIC]]);
    const email = await PostalMime.parse(rawBytes(out[0]));
    expect(email.subject).toBe("Your diary reminder");
    expect(email.html).toContain("Please fill in today's diary.");
    expect(await findLeaks(rawBytes(out[0]), [STAFF_ONE, STAFF_TWO, alias])).toEqual([]);
  });

  it("keys are listed without the key (revoked ones marked); a key's label is optional, so is the body", async () => {
    await setUpConversation();
    const first = await keyFor(STAFF_ONE);
    const base = `/api/addresses/${first.addressId}/recipients/${first.recipientId}/keys`;
    const bare = await api("POST", base, "", {});
    expect(bare.status).toBe(401);
    const noBody = await api("POST", base, "", { authorization: "Bearer test-admin-token" });
    expect(noBody.status).toBe(201);
    const second = await noBody.json();
    expect(second.label).toBe("");
    expect((await api("DELETE", `${base}/${first.id}`)).status).toBe(204);
    const listed = await (await api("GET", base)).json();
    expect(listed).toEqual([
      { id: first.id, label: "ePRO", createdAt: expect.any(Number), revokedAt: expect.any(Number) },
      { id: second.id, label: "", createdAt: expect.any(Number), revokedAt: null },
    ]);
    expect(JSON.stringify(listed)).not.toContain(first.key);
    expect((await api("POST", base, "{", { authorization: "Bearer test-admin-token" })).status).toBe(400);
    expect((await api("GET", `/api/addresses/${first.addressId}/recipients/nope/keys`)).status).toBe(404);
  });

  it("a key sees only its own recipient, never admin routes, and stops working once revoked", async () => {
    await setUpConversation();
    const { key, id, addressId, recipientId } = await keyFor(STAFF_TWO);
    const auth = { authorization: `Bearer ${key}` };
    const [conversation] = (await (await api("GET", "/api/conversations", undefined, auth)).json()).items;
    const staffOneKey = await keyFor(STAFF_ONE);
    const staffOneList = (await (await api("GET", "/api/conversations", undefined, { authorization: `Bearer ${staffOneKey.key}` })).json()).items;
    expect(staffOneList[0].id).not.toBe(conversation.id);
    expect((await api("GET", `/api/conversations/${staffOneList[0].id}`, undefined, auth)).status).toBe(404);
    expect((await api("GET", "/api/addresses", undefined, auth)).status).toBe(401);
    expect((await api("DELETE", `/api/addresses/${addressId}/recipients/${recipientId}/keys/${id}`)).status).toBe(204);
    expect((await api("GET", "/api/conversations", undefined, auth)).status).toBe(401);
    expect((await api("GET", "/api/conversations", undefined, { authorization: "Bearer km_notakey" })).status).toBe(401);
  });
});
