/** Signs a recipient in to the web UI's API the way a browser does: magic link from the outbox. */
import { expect } from "vitest";
import { api, outbox } from "./relay";

export async function signIn(email: string): Promise<Record<string, string>> {
  const before = new Set((await outbox()).map((o) => o.id));
  expect((await api("POST", "/api/session/request", { email }, {})).status).toBe(202);
  const mail = (await outbox()).find((o) => !before.has(o.id) && o.kind === "sign-in" && o.envelopeTo === email);
  const token = mail?.raw.match(/\/auth\/callback\?token=([a-z2-7]+)/)?.[1];
  expect(token, `sign-in link for ${email}`).toBeTruthy();
  const callback = await api("GET", `/auth/callback?token=${token}`, undefined, {});
  expect(callback.status).toBe(302);
  return { cookie: callback.headers.get("set-cookie")!.split(";")[0], "x-kakuremino": "1" };
}
