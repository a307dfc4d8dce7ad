import { describe, expect, it } from "vitest";
import { formatMailbox, parseAddressList, scrubDisplayName } from "../../../worker/mime/address";

describe("RFC 5322 address parser", () => {
  it("keeps a comma inside a quoted display name in one mailbox", () => {
    expect(parseAddressList('"Suzuki, Ichiro (Sales Dept.)" <ichiro.suzuki@example.com>')).toEqual([{ name: "Suzuki, Ichiro (Sales Dept.)", address: "ichiro.suzuki@example.com" }]);
  });

  it("decodes encoded words only after tokenising (an encoded comma splits nothing)", () => {
    const list = parseAddressList("=?UTF-8?Q?Tanaka=2C_Jir=C5=8D?= <jiro.tanaka@example.com>,\r\n \"O'Neil, Pat \\\"PJ\\\"\" <pat.oneil@example.com>");
    expect(list).toEqual([
      { name: "Tanaka, Jirō", address: "jiro.tanaka@example.com" },
      { name: `O'Neil, Pat "PJ"`, address: "pat.oneil@example.com" },
    ]);
  });

  it("flattens groups, keeping the group name, and yields nothing for an empty group", () => {
    expect(parseAddressList("undisclosed-recipients:;")).toEqual([]);
    expect(parseAddressList('Project Team: "Mori, Ren" <ren.mori@example.com>, kaito.sato@example.com;, x@example.org')).toEqual([
      { name: "Mori, Ren", address: "ren.mori@example.com", group: "Project Team" },
      { name: "", address: "kaito.sato@example.com", group: "Project Team" },
      { name: "", address: "x@example.org" },
    ]);
  });

  it("accepts obsolete folding and comments inside an address", () => {
    expect(parseAddressList("john . doe @ Example . COM (John)")).toEqual([{ name: "John", address: "john.doe@example.com" }]);
    expect(parseAddressList("<@route.example:user@Host.Example>")).toEqual([{ name: "", address: "user@host.example" }]);
  });

  it("drops entries that are not mailboxes", () => {
    expect(parseAddressList("None, undefined <>, <not an address>, ok@example.com")).toEqual([{ name: "", address: "ok@example.com" }]);
  });

  it("formats names safely: quoted when needed, encoded when not ASCII, never with an address or CR/LF", () => {
    expect(formatMailbox("Suzuki, Ichiro", "r@x.jp")).toBe('"Suzuki, Ichiro" <r@x.jp>');
    expect(formatMailbox("山田 花子", "r@x.jp")).toBe("=?UTF-8?B?5bGx55SwIOiKseWtkA==?= <r@x.jp>");
    expect(formatMailbox("Mallory\r\nBcc: x@evil.example", "r@x.jp")).toBe('"Mallory Bcc:" <r@x.jp>');
    expect(scrubDisplayName("hanako.yamada@example.com")).toBe("");
    expect(scrubDisplayName("Hanako (hanako&#64;example.com)")).toBe("Hanako ()");
  });
});
