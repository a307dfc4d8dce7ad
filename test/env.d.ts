import type { D1Migration } from "@cloudflare/vitest-pool-workers";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      SEND_EMAIL?: SendEmail;
      ADMIN_TOKEN?: string;
      DATA_KEY?: string;
      DATA_KEY_ID?: string;
      MAILER?: string;
      APP_URL?: string;
      ALIAS_DOMAIN?: string;
      AUTHSERV_ID?: string;
      MAX_MESSAGE_BYTES?: string;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** file name → base64 bytes, for every fixture the tests read. */
    fixtures: Record<string, string>;
    /** Why ../shared fixtures are missing, or "" when they are present. */
    sharedMissing: string;
    /** The local SMTP server of test/smtp-server.setup.ts: its port, control URL and credentials. */
    smtp: { port: number; hungPort: number; control: string; user: string; password: string };
    /** Base URL of the Node webhook receiver (test/webhook-server.ts). */
    webhookServer: string;
  }
}
