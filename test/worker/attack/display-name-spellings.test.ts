/**
 * Attack: a display name (From, Cc, a group name) that spells an address through a layer the
 * relay's name scrub did not read: an entity that spells "%" ("&#37;40" is "%40", then "@"),
 * or a percent escape whose hex digits are entities. The relay writes these names itself.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { HANAKO, PUBLIC } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { findLeaks } from "../../helpers/leak-check";
import { inject, rawBytes } from "../../helpers/relay";

const [L, D] = HANAKO.split("@");

describe("display names that spell an address in two layers", () => {
  beforeEach(resetDatabase);

  for (const at of ["&#37;40", "&#x25;40", "%&#52;&#48;", "&percnt;40"]) {
    it(`"@" as ${at} in From, Cc and group names`, async () => {
      await makeAddress();
      const name = `${L}${at}${D}`;
      const raw = [`From: "${name}" <${HANAKO}>`, `To: ${PUBLIC}, "${name}": jiro@example.org;`, `Cc: "Jiro ${name}" <kenji@example.org>`, "Subject: hi", "Message-ID: <dn-1@example.com>", "", "hello", ""].join("\r\n");
      const r = await inject({ from: HANAKO, to: PUBLIC, raw });
      expect(r.rejected).toBeNull();
      for (const copy of r.sent) {
        expect(await findLeaks(rawBytes(copy), [HANAKO])).toEqual([]);
        expect(copy.raw.toLowerCase()).not.toContain(`${L}${at}${D}`.toLowerCase());
      }
    });
  }

  it("an ordinary name with '&' or '%' stays as written", async () => {
    await makeAddress();
    const raw = [`From: "AT&amp;T 100% Sales" <${HANAKO}>`, `To: ${PUBLIC}`, "Subject: hi", "Message-ID: <dn-2@example.com>", "", "hello", ""].join("\r\n");
    const r = await inject({ from: HANAKO, to: PUBLIC, raw });
    expect(r.sent[0].raw.replace(/\r\n\s+/g, " ")).toContain('"AT&amp;T 100% Sales" <r-');
  });
});
