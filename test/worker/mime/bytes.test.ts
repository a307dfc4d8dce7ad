import { describe, expect, it } from "vitest";
import { binaryToBytes, bytesToBinary } from "../../../worker/mime/bytes";
import { isCrlf } from "../../../worker/mime/source";

describe("binary strings", () => {
  it("map every byte value to the same char code and back (0x80–0x9F included)", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const binary = bytesToBinary(all);
    expect([...binary].map((c) => c.charCodeAt(0))).toEqual([...all]);
    expect(binaryToBytes(binary)).toEqual(all);
    expect(bytesToBinary(new TextEncoder().encode("plain ascii"))).toBe("plain ascii");
  });
});

describe("line ends", () => {
  it("a bare LF or a bare CR is found at every position and buffer alignment, a CRLF is not one", () => {
    // A bare CR ends a line for Python's email package and for MTAs that repair line ends: it
    // is canonicalised like a bare LF, so every reader sees the lines the relay saw.
    const base = new TextEncoder().encode("ab\r\ncd\r\nef\r\ngh\r\nij\r\n".repeat(3));
    const backing = new Uint8Array(base.length + 8);
    for (let offset = 0; offset < 4; offset++) {
      const view = backing.subarray(offset, offset + base.length);
      view.set(base);
      expect(isCrlf(view)).toBe(true);
      for (let at = 0; at < base.length; at++) {
        if (base[at] !== 0x0d && base[at] !== 0x0a) continue;
        view.set(base);
        view[at] = 0x41; // "…A\n" or "\rA…": the other half of the CRLF is now bare
        expect(isCrlf(view), `offset ${offset}, byte ${at}`).toBe(false);
      }
      view.set(base);
      view[0] = 0x0a;
      expect(isCrlf(view)).toBe(false);
    }
    expect(isCrlf(new Uint8Array(0))).toBe(true);
    expect(isCrlf(Uint8Array.of(0x0a))).toBe(false);
    expect(isCrlf(Uint8Array.of(0x0d))).toBe(false);
  });
});
