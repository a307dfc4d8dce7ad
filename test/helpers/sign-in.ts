/** Signs in through the real flow: the link mailed to the address, then the callback's cookie. */
import { expect } from "vitest";
import { api, outbox } from "./relay";

export type Headers = Record<string, string>;

/** Follows the newest sign-in link (or invitation) mailed to `email`; returns cookie + CSRF headers. */
export async function followLatestLink(email: string): Promise<Headers> {
  const mail = (await outbox()).find((o) => o.kind === "sign-in" && o.envelopeTo === email);
  expect(mail, `a sign-in mail to ${email}`).toBeTruthy();
  const token = mail!.raw.match(/\/auth\/callback\?token=([a-z2-7]+)/)![1];
  const callback = await api("GET", `/auth/callback?token=${token}`, undefined, {});
  expect(callback.headers.get("location")).toBe("/");
  return { cookie: callback.headers.get("set-cookie")!.split(";")[0], "x-kakuremino": "1" };
}

/** Asks for a sign-in link as anyone would, then follows it. */
export async function signIn(email: string): Promise<Headers> {
  expect((await api("POST", "/api/session/request", { email }, {})).status).toBe(202);
  return followLatestLink(email);
}
