import type { Db } from "../../db/client";
import type { Keyring } from "../crypto/sealed";
import type { Config, Env } from "../env";
import type { Mailer } from "../mail/mailer";

/** Hono's typing for this app: bindings plus what the middleware puts on the context. */
export type Identity =
  | { kind: "admin"; accountId: string }
  | { kind: "user"; userId: string; accountId: string; emailHash: string; emailEnc: string; role: "owner" | "admin" | "member"; sessionId: string }
  /** A system holding an API key: it acts as exactly one recipient. */
  | { kind: "system"; keyId: string; recipientId: string; emailHash: string; emailEnc: string };

export interface AppEnv {
  Bindings: Env;
  Variables: { db: Db; ring: Keyring; config: Config; mailer: Mailer; identity?: Identity };
}
