/**
 * Attack: request bodies that do not parse as the encoding they declare, sent to the public
 * form endpoint (anyone may post): each is a clear 4xx, never a 500, and nothing is sent.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { api, outbox } from "../../helpers/relay";

async function makeForm() {
  const { id } = await makeAddress();
  const res = await api("POST", `/api/addresses/${id}/forms`, { name: "Contact", allowedOrigins: ["https://www.example.com"], confirmSubmitter: false });
  expect(res.status).toBe(201);
  return (await res.json()).id as string;
}

describe("malformed form posts", () => {
  beforeEach(resetDatabase);

  const bodies: [string, string][] = [
    ["multipart/form-data", "name=A&email=a@example.com"],
    ["multipart/form-data; boundary=x", "garbage without delimiters"],
    ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nA\r\n--x'],
    ["multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data\r\n\r\nA\r\n--x--\r\n'],
  ];
  for (const [type, body] of bodies) {
    it(`${type}: ${JSON.stringify(body).slice(0, 40)}`, async () => {
      const formId = await makeForm();
      const before = (await outbox()).length;
      // A script asking for JSON gets the error code; a browser gets the same status as a page.
      const res = await api("POST", `/f/${formId}`, body, { "content-type": type, accept: "application/json" });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect((await res.json()).error.code).toMatch(/^invalid_/);
      const page = await api("POST", `/f/${formId}`, body, { "content-type": type });
      expect([page.status, page.headers.get("content-type")]).toEqual([res.status, "text/html; charset=UTF-8"]);
      expect((await outbox()).length).toBe(before);
    });
  }
});
