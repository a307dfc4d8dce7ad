import type { Db } from "../../db/client";
import type { Keyring } from "../crypto/sealed";
import type { Config, Env } from "../env";
import type { Mailer } from "../mail/mailer";

/** Hono's typing for this app: bindings plus what the middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: { db: Db; ring: Keyring; config: Config; mailer: Mailer; accountId: string };
}
