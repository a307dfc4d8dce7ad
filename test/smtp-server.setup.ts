/**
 * A real SMTP server (the smtp-server package) for the SMTP adapter's tests, started in Node
 * before the workerd tests, on free ports so parallel runs never collide. The adapter connects
 * to it over cloudflare:sockets from inside workerd. It checks AUTH credentials and answers by
 * recipient: `temp-fail@…` gets 451 at RCPT, `perm-fail@…` 550; everything else is accepted and
 * kept. Tests read what arrived, as exact bytes, from a small HTTP endpoint beside it. A second
 * port accepts connections and never answers (a hung server).
 */
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { SMTPServer } from "smtp-server";
import type { TestProject } from "vitest/node";

export const SMTP_USER = "desk@customer.example";
export const SMTP_PASSWORD = "correct horse battery staple";

interface Received {
  from: string;
  to: string[];
  user: string;
  rawBase64: string;
}

export default async function setup(project: TestProject) {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authMethods: ["PLAIN", "LOGIN"],
    // Plain TCP on loopback only; production servers require TLS (secure / STARTTLS).
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
      callback(Object.assign(new Error("Authentication credentials invalid"), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split("@")[0];
      if (local === "temp-fail") return callback(Object.assign(new Error("Mailbox busy, try later"), { responseCode: 451 }));
      if (local === "perm-fail") return callback(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), user: String(session.user), rawBase64: Buffer.concat(chunks).toString("base64") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const control: Server = createServer((req, res) => {
    if (req.method === "DELETE") received.length = 0;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(received));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  // A server that accepts the connection and never says a word: a hung SMTP host.
  const silent = new Set<Socket>();
  const hung = createTcpServer((socket) => void silent.add(socket));
  await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  project.provide("smtp", { port: smtpPort, hungPort: (hung.address() as AddressInfo).port, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}`, user: SMTP_USER, password: SMTP_PASSWORD });
  return async () => {
    for (const socket of silent) socket.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await new Promise<void>((resolve) => control.close(() => resolve()));
  };
}
