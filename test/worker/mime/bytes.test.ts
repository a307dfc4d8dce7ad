import { describe, expect, it } from "vitest";
import { binaryToBytes, bytesToBinary } from "../../../worker/mime/bytes";

describe("binary strings", () => {
  it("map every byte value to the same char code and back (0x80–0x9F included)", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const binary = bytesToBinary(all);
    expect([...binary].map((c) => c.charCodeAt(0))).toEqual([...all]);
    expect(binaryToBytes(binary)).toEqual(all);
    expect(bytesToBinary(new TextEncoder().encode("plain ascii"))).toBe("plain ascii");
  });
});
