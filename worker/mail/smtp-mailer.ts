/**
 * SMTP submission with worker-mailer over cloudflare:sockets — the "own address" mode, where a
 * public address hosted elsewhere sends through its own host's server with the customer's
 * credentials (stored sealed, see routes/sender.ts).
 *
 * worker-mailer composes its own MIME from fields; the relay's message must go out as built.
 * So the SMTP session (greeting, EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL/RCPT/DATA, error
 * replies) is worker-mailer's, and the DATA is a RawEmail whose getEmailData() returns the
 * message itself, dot-stuffed (RFC 5321 §4.5.2). worker-mailer 1.2.1 has no public way to hand
 * it a finished message, so RawEmail goes into its send queue directly; the version is pinned and
 * smtp-mailer.test.ts checks the bytes a real server receives, so a change there fails a test.
 * worker-mailer writes DATA as a UTF-8 string (and never declares BODY=8BITMIME): 8-bit parts in
 * other charsets are sent base64-encoded, and what still is not text is refused (raw-as-text.ts).
 */
import { Email, LogLevel, WorkerMailer } from "worker-mailer";
import type { Mailer, OutboundEnvelope, SendResult } from "./mailer";
import { canonicalHost, hostRefusal } from "./public-host";
import { NOT_TEXT, rawAsText } from "./raw-as-text";

export interface SmtpSettings {
  host: string;
  port: number;
  /** true: implicit TLS (port 465); false: STARTTLS when the server offers it (587). */
  secure: boolean;
  username: string;
  password: string;
}

/** A finished message handed to worker-mailer's session as the DATA it writes. */
class RawEmail extends Email {
  constructor(
    from: string,
    to: string,
    private readonly message: string,
  ) {
    // worker-mailer's constructor wants a body; it is never used (getEmailData is replaced).
    super({ from, to, subject: "", text: " " });
  }

  override getEmailData(): string {
    let data = this.message.replace(/\r\n\./g, "\r\n..");
    if (data.startsWith(".")) data = `.${data}`;
    // The CRLF that ends the message is the first half of the <CRLF>.<CRLF> terminator.
    return data.endsWith("\r\n") ? `${data}.\r\n` : `${data}\r\n.\r\n`;
  }
}

/**
 * Ports a public SMTP server may be reached on: 465 (implicit TLS, RFC 8314), 587 (submission,
 * RFC 6409) and the common 2525 alternative — not 25, to which Workers may not open connections
 * at all (Cloudflare's TCP sockets limits), so it would fail every reply. Any other port would let an
 * account's admin use the relay to probe arbitrary services, with the answer's shape
 * ("unreachable", "timed out", a code) as the oracle.
 */
export const SMTP_PORTS = [465, 587, 2525];

/**
 * Why the relay must not connect to this SMTP server (the SSRF rule webhooks follow, plus mail
 * ports only), or null. Hosts the operator listed in SMTP_PRIVATE_HOSTS are exempt from both.
 */
export function smtpHostRefusal(host: string, port: number, privateHosts: string[]): string | null {
  const canonical = canonicalHost(host);
  if (!canonical) return "host must be a host name";
  if (port === 25) return "port: Workers cannot connect to port 25; use 465 (implicit TLS) or 587";
  if (privateHosts.includes(canonical)) return null;
  const refusal = hostRefusal(canonical);
  if (refusal) return `host ${refusal}`;
  if (!SMTP_PORTS.includes(port)) return `port must be one of ${SMTP_PORTS.join(", ")}`;
  return null;
}

interface SendQueue {
  emailToBeSent: { enqueue(email: Email): void };
}

/**
 * An SMTP reply code decides: 4xx is temporary, 5xx permanent (RFC 5321 §4.2.1); no code at all
 * (connection refused, TLS failure, timeout) is temporary.
 */
function classify(error: unknown): SendResult {
  const text = error instanceof Error ? error.message : String(error);
  const code = text.match(/\b([45])\d\d\b/);
  if (!code) return { ok: false, permanent: false, error: /timeout/i.test(text) ? "SMTP server timed out" : "SMTP server unreachable" };
  const enhanced = text.match(/\b[45]\.\d{1,3}\.\d{1,3}\b/)?.[0];
  // Only codes are kept: the server's text often quotes the recipient's address.
  return { ok: false, permanent: code[1] === "5", error: [code[0], enhanced].filter(Boolean).join(" ") };
}

export function smtpMailer(settings: SmtpSettings, options: { timeoutMs?: number; privateHosts?: string[] } = {}): Mailer {
  return {
    name: "smtp",
    async send({ from, to, raw }: OutboundEnvelope): Promise<SendResult> {
      // Checked again at send time: settings stored before the rule, or a changed SMTP_PRIVATE_HOSTS.
      if (options.privateHosts && smtpHostRefusal(settings.host, settings.port, options.privateHosts)) return { ok: false, permanent: true, error: "SMTP server not allowed" };
      const message = rawAsText(raw);
      if (message === null) return { ok: false, permanent: true, error: NOT_TEXT };
      let session: WorkerMailer | undefined;
      try {
        session = await WorkerMailer.connect({
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          startTls: !settings.secure,
          credentials: { username: settings.username, password: settings.password },
          authType: ["plain", "login"],
          // worker-mailer's own log lines quote RCPT TO: never let them reach the logs.
          logLevel: LogLevel.NONE,
          socketTimeoutMs: options.timeoutMs ?? 15_000,
        });
        const email = new RawEmail(from, to, message);
        (session as unknown as SendQueue).emailToBeSent.enqueue(email);
        await email.sent;
        return { ok: true };
      } catch (error) {
        return classify(error);
      } finally {
        await session?.close().catch(() => {});
      }
    },
  };
}
