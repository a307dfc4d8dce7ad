/** The Rate Limiting bindings (miniflare's local ones, limits from wrangler.toml). */
import { beforeEach, describe, expect, it } from "vitest";
import { STAFF_ONE, setUpConversation } from "../helpers/cases";
import { makeAddress, resetDatabase } from "../helpers/factories";
import { api, inject } from "../helpers/relay";

describe("rate limits", () => {
  beforeEach(resetDatabase);

  it("sign-in requests: the sixth in a minute from one client gets 429, the same for any address", async () => {
    await setUpConversation();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await api("POST", "/api/session/request", { email: i % 2 ? STAFF_ONE : `nobody${i}@example.org` }, { "cf-connecting-ip": "198.51.100.7" })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect((await api("POST", "/api/session/request", { email: STAFF_ONE }, { "cf-connecting-ip": "198.51.100.8" })).status).toBe(202);
  });

  it("form posts: at most 10 a minute per client and form", async () => {
    const { id } = await makeAddress();
    const form = (await (await api("POST", `/api/addresses/${id}/forms`, { name: "F" })).json()).id;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await api("POST", `/f/${form}`, { name: "A", email: `a${i}@example.com`, message: "x" }, { "content-type": "application/json", "cf-connecting-ip": "203.0.113.9" })).status);
    expect(statuses.slice(0, 10).every((s) => s === 202)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it("mail to reverse aliases: a temporary refusal past 120 a minute from one domain", async () => {
    await makeAddress();
    const guess = "r-" + "a".repeat(34) + "@relay.example.jp";
    const verdicts: (string | null)[] = [];
    for (let i = 0; i < 121; i++) verdicts.push((await inject({ from: `x${i}@guesser.example`, to: guess, raw: `From: <x@guesser.example>\r\nSubject: s\r\nMessage-ID: <g${i}@guesser.example>\r\n\r\nx\r\n` })).rejected);
    expect(verdicts.slice(0, 120).every((v) => v === "550 5.1.1 No such address here")).toBe(true);
    expect(verdicts[120]).toBe("450 4.7.1 Too many messages to reverse aliases from your domain; try again later");
  });
});
