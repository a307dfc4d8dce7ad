/**
 * A real webhook receiver for the workerd tests, run in Node (globalSetup) on 127.0.0.1 within
 * the ports this machine allows (19250–19259). It verifies each delivery's signature with the
 * README's snippet (node:crypto, not the relay's WebCrypto code) and answers the statuses a
 * test scripted, then 200. Tests reach it by plain fetch from workerd; the relay's fetch of the
 * registered https URL is redirected to it at the HTTP boundary (the only fake: DNS and TLS).
 *
 *   PUT  /_hook/:name   {secret, statuses: [500, ...]}  register a receiver and its script
 *   GET  /_hook/:name                                   what it received
 *   POST /hook/:name                                    a delivery
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { TestProject } from "vitest/node";

// ---- the README's verification snippet, verbatim ----
function verifyKakuremino(secret: string, headers: IncomingHttpHeaders, rawBody: string, toleranceSeconds = 300): boolean {
  const timestamp = String(headers["x-kakuremino-timestamp"] ?? "");
  const signature = String(headers["x-kakuremino-signature"] ?? "");
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = "v1=" + createHmac("sha256", secret).update(`${timestamp}.${rawBody}`).digest("hex");
  return signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
}
// ---- end of snippet ----

interface Delivery {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
  status: number;
}

interface Receiver {
  secret: string;
  statuses: number[];
  deliveries: Delivery[];
}

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
}

export default async function setup(project: TestProject) {
  const receivers = new Map<string, Receiver>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const [, kind, name] = (req.url ?? "").match(/^\/(_hook|hook)\/([\w-]+)$/) ?? [];
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (kind === "_hook" && req.method === "PUT") {
        const { secret, statuses } = JSON.parse(body) as { secret: string; statuses?: number[] };
        receivers.set(name, { secret, statuses: statuses ?? [], deliveries: [] });
        return send(204, null);
      }
      const receiver = receivers.get(name);
      if (!receiver) return send(404, { error: "no such receiver" });
      if (kind === "_hook") return send(200, receiver.deliveries);
      const signatureValid = verifyKakuremino(receiver.secret, req.headers, body);
      // A receiver refuses what it cannot verify; otherwise it follows its script, then accepts.
      const status = signatureValid ? (receiver.statuses.shift() ?? 200) : 401;
      receiver.deliveries.push({ method: req.method ?? "", headers: req.headers, body, signatureValid, status });
      send(status, { received: status < 300 });
    });
  });
  let port = 0;
  for (let p = 19250; p < 19260 && !port; p++) if (await listen(server, p)) port = p;
  if (!port) throw new Error("webhook test server: ports 19250-19259 are all busy");
  project.provide("webhookServer", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
