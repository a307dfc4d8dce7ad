/** The Rate Limiting bindings (miniflare's local ones, limits from wrangler.toml). */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC, STAFF_ONE, setUpConversation } from "../helpers/cases";
import { REFUSED_OTHER } from "../../worker/email/reply";
import { makeAddress, resetDatabase } from "../helpers/factories";
import { api, authenticated, inject } from "../helpers/relay";

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

  it("failed alias lookups: a temporary refusal past 120 a minute from one domain", async () => {
    await makeAddress();
    const guess = "r-" + "a".repeat(34) + "@relay.example.jp";
    const verdicts: (string | null)[] = [];
    for (let i = 0; i < 121; i++) verdicts.push((await inject({ from: `x${i}@guesser.example`, to: guess, raw: `From: <x@guesser.example>\r\nSubject: s\r\nMessage-ID: <g${i}@guesser.example>\r\n\r\nx\r\n` })).rejected);
    expect(verdicts.slice(0, 120).every((v) => v === "550 5.1.1 No such address here")).toBe(true);
    expect(verdicts[120]).toBe("450 4.7.1 Too many failed deliveries to reverse aliases from your domain; try again later");
  });

  it("only failures count: a domain's genuine replies pass however many guesses or strangers came from it", async () => {
    const officer = "officer@busy-isp.example";
    await makeAddress({ recipients: [officer] });
    const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: hello\r\nMessage-ID: <busy-1@mail.example.com>\r\n\r\nhi\r\n` });
    const alias = sent[0].envelopeFrom;
    const reply = (i: number) => authenticated(`From: <${officer}>\r\nTo: <${alias}>\r\nSubject: Re: hello\r\nMessage-ID: <busy-r${i}@busy-isp.example>\r\n\r\nok\r\n`, officer);
    // 130 genuine replies in a minute: none is counted.
    const genuine: (string | null)[] = [];
    for (let i = 0; i < 130; i++) genuine.push((await inject({ from: officer, to: alias, raw: reply(i) })).rejected);
    expect(genuine.filter((v) => v !== null)).toEqual([]);
    // Other users of the same domain: a stranger writing to the real alias and guessers, 120 failures.
    const strangers: (string | null)[] = [];
    for (let i = 0; i < 120; i++) {
      const to = i % 2 ? alias : "r-" + "b".repeat(34) + "@relay.example.jp";
      strangers.push((await inject({ from: `user${i}@busy-isp.example`, to, raw: `From: <user${i}@busy-isp.example>\r\nTo: <${to}>\r\nSubject: s\r\nMessage-ID: <busy-s${i}@busy-isp.example>\r\n\r\nx\r\n` })).rejected);
    }
    expect(new Set(strangers)).toEqual(new Set([REFUSED_OTHER, "550 5.1.1 No such address here"]));
    // The limit is now reached for failures; the bound recipient still gets through.
    expect((await inject({ from: "late@busy-isp.example", to: alias, raw: `From: <late@busy-isp.example>\r\nTo: <${alias}>\r\nSubject: s\r\nMessage-ID: <busy-late@busy-isp.example>\r\n\r\nx\r\n` })).rejected).toBe("450 4.7.1 Too many failed deliveries to reverse aliases from your domain; try again later");
    expect((await inject({ from: officer, to: alias, raw: reply(999) })).rejected).toBeNull();
  });

  it("past the limit a forged reply naming the bound recipient meets the same 450: which private address an alias belongs to is not learned by guessing", async () => {
    const officer = "officer@busy-isp.example";
    await makeAddress({ recipients: [officer] });
    const { sent } = await inject({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: hello\r\nMessage-ID: <oracle-1@mail.example.com>\r\n\r\nhi\r\n` });
    const alias = sent[0].envelopeFrom;
    // Candidates for the recipient behind the alias, each spelled in the envelope and From, none authenticated.
    const guess = (candidate: string, i: number, extra = "") =>
      inject({ from: candidate, to: alias, raw: `From: <${candidate}>\r\nTo: <${alias}>\r\nSubject: s\r\nMessage-ID: <oracle-g${i}@busy-isp.example>\r\n${extra}\r\nx\r\n` });
    for (let i = 0; i < 120; i++) await guess(`user${i}@busy-isp.example`, i);
    const wrong = (await guess("someone@busy-isp.example", 500)).rejected;
    expect(wrong).toBe("450 4.7.1 Too many failed deliveries to reverse aliases from your domain; try again later");
    // The right guess must not answer differently: not the authentication refusal, nor the loop guard.
    expect((await guess(officer, 501)).rejected).toBe(wrong);
    const references = `References: ${Array.from({ length: 101 }, (_, k) => `<ref${k}@busy-isp.example>`).join(" ")}\r\n`;
    expect((await guess(officer, 502, references)).rejected).toBe(wrong);
    // The recipient's own authenticated reply still passes.
    expect((await inject({ from: officer, to: alias, raw: authenticated(`From: <${officer}>\r\nTo: <${alias}>\r\nSubject: Re: hello\r\nMessage-ID: <oracle-r@busy-isp.example>\r\n\r\nok\r\n`, officer) })).rejected).toBeNull();
  });
});
