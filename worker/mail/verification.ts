/** The confirmation mail a new recipient must follow before any mail is forwarded to them. */
import type { Db } from "../../db/client";
import type { Keyring } from "../crypto/sealed";
import type { Config } from "../env";
import { composePlain } from "./compose";
import { queueServiceMail } from "./service-mail";
import type { Mailer } from "./mailer";

interface Deps {
  db: Db;
  ring: Keyring;
  config: Config;
  mailer: Mailer;
}

export async function queueVerificationMail(deps: Deps, ctx: { waitUntil(p: Promise<unknown>): void }, input: { publicAddress: { id: string; address: string; displayName: string }; recipientId: string; email: string; token: string }): Promise<void> {
  const link = `${deps.config.appUrl}/verify/${input.token}`;
  const pa = input.publicAddress;
  const raw = composePlain({
    from: { name: pa.displayName || "Kakuremino", address: pa.address },
    to: { address: input.email },
    subject: `Confirm: receive mail for ${pa.address} / ${pa.address} の受信確認`,
    text: [
      `You were added as a recipient of ${pa.address}.`,
      "Mail to that address will be forwarded to you once you open this link and press its button:",
      link,
      "",
      `${pa.address} の受信者として登録されました。次のリンクを開き、ボタンを押すと転送が始まります。`,
      link,
      "",
      "If you did not expect this, ignore this message: nothing is forwarded until you confirm.",
    ].join("\n"),
    headers: { "Auto-Submitted": "auto-generated" },
  });
  await queueServiceMail(deps, (p) => ctx.waitUntil(p), { kind: "verification", from: pa.address, to: input.email, raw, publicAddressId: pa.id, recipientId: input.recipientId });
}
