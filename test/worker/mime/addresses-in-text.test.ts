import { describe, expect, it } from "vitest";
import { replaceAddresses, replaceInCalendar } from "../../../worker/mime/addresses-in-text";

const resolve = (a: string) => (a === "hanako.yamada@example.com" ? "r-alias@relay.example.jp" : null);

describe("finding addresses in text", () => {
  it.each([
    ["plain, other case", "Write to Hanako.Yamada@EXAMPLE.com today", "Write to r-alias@relay.example.jp today"],
    ["decimal entity", "hanako.yamada&#64;example.com", "r-alias@relay.example.jp"],
    ["hex entities mixed in", "hanako.yamada&#x40;example&#x2E;com", "r-alias@relay.example.jp"],
    ["named entity", "hanako.yamada&commat;example.com", "r-alias@relay.example.jp"],
    ["percent-encoded mailto", '<a href="mailto:hanako.yamada%40example.com">', '<a href="mailto:r-alias@relay.example.jp">'],
    ["inside a parameter (CN=)", "ATTENDEE;CN=hanako.yamada@example.com:mailto:x", "ATTENDEE;CN=r-alias@relay.example.jp:mailto:x"],
    ["at a sentence end", "Mail hanako.yamada@example.com.", "Mail r-alias@relay.example.jp."],
    ["in angle brackets", "&lt;hanako.yamada@example.com&gt;", "&lt;r-alias@relay.example.jp&gt;"],
    // An entity for a character outside the BMP before the address: the ranges after it stay exact.
    ["after an astral entity", "&#x1F600; hanako&#46;yamada&#64;example.com &#x1F600;", "&#x1F600; r-alias@relay.example.jp &#x1F600;"],
    ["percent escape split by a fold", "URL:mailto:hanako.yamada%4\r\n 0example.com", "URL:mailto:r-alias@relay.example.jp"],
    ["folded, after an astral entity", "&#128512; hanako.yamada@exam\r\n ple.com!", "&#128512; r-alias@relay.example.jp!"],
  ])("%s", (_, input, output) => {
    expect(replaceAddresses(input, resolve)).toBe(output);
  });

  it("leaves other addresses and returns the same string when nothing changed", () => {
    const text = "xhanako.yamada@example.com and hanako.yamada@example.community";
    expect(replaceAddresses(text, resolve)).toBe(text);
  });

  it("unfolds an iCalendar line, replaces, and refolds at 75 octets", () => {
    const ics = "BEGIN:VEVENT\r\nATTENDEE;ROLE=REQ-PARTICIPANT;CN=Hanako Yamada:mailto:hanako.yama\r\n da@example.com\r\nEND:VEVENT";
    const out = replaceInCalendar(ics, resolve);
    expect(out.replace(/\r\n /g, "")).toBe("BEGIN:VEVENT\r\nATTENDEE;ROLE=REQ-PARTICIPANT;CN=Hanako Yamada:mailto:r-alias@relay.example.jp\r\nEND:VEVENT");
    for (const line of out.split("\r\n")) expect(line.length).toBeLessThanOrEqual(75);
  });
});
