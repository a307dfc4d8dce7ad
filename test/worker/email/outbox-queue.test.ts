/**
 * With a Queue producer bound (OUTBOX_QUEUE), deliveries and retries are enqueued and the
 * worker's queue() handler sends them. The producer is a recording stand-in (miniflare's queue
 * would run the consumer on its own schedule); the consumer is the real handler, called with
 * createMessageBatch as the Queues runtime would.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../../worker/index";
import type { Env } from "../../../worker/env";
import type { OutboxJob } from "../../../worker/mail/outbox-queue";
import { runScheduled } from "../../../worker/scheduled";
import { HANAKO, PUBLIC, STAFF_ONE } from "../../helpers/cases";
import { makeAddress, resetDatabase } from "../../helpers/factories";
import { fakeEmail } from "../../helpers/fake-email";

const MINUTE = 60_000;

function recordingQueue() {
  const sent: OutboxJob[] = [];
  const queue = {
    async send(body: OutboxJob) {
      sent.push(body);
    },
    async sendBatch(messages: Iterable<{ body: OutboxJob }>) {
      for (const m of messages) sent.push(m.body);
    },
  };
  return { sent, queue: queue as unknown as Queue<OutboxJob> };
}

/** Resend's servers (POST /emails); `status` answers each request. */
function fakeResend(status: () => number) {
  const delivered: string[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    expect([request.method, request.url]).toEqual(["POST", "https://api.resend.com/emails"]);
    const code = status();
    if (code === 200) delivered.push(((await request.json()) as { to: string[] }).to[0]);
    return new Response("{}", { status: code });
  });
  return delivered;
}

async function deliver(jobs: OutboxJob[], workerEnv: Env) {
  const batch = createMessageBatch<OutboxJob>("kakuremino-outbox", jobs.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body })));
  // The pool's MessageBatch records retry() but not its options: spy for the delay.
  const delays = batch.messages.map((m) => vi.spyOn(m, "retry"));
  const ctx = createExecutionContext();
  await worker.queue(batch as MessageBatch<OutboxJob>, workerEnv);
  return { ...(await getQueueResult(batch, ctx)), retryOptions: delays.flatMap((spy) => spy.mock.calls.map((call) => call[0])) };
}

async function state() {
  return (await env.DB.prepare("SELECT state, attempts FROM outbox WHERE kind = 'relay'").all<{ state: string; attempts: number }>()).results;
}

afterEach(() => vi.restoreAllMocks());

describe("delivery queue", () => {
  beforeEach(resetDatabase);

  it("enqueues the first attempt instead of sending; the consumer sends it once, a duplicate message sends nothing", async () => {
    await makeAddress({ recipients: [STAFF_ONE] });
    const { sent, queue } = recordingQueue();
    const delivered = fakeResend(() => 200);
    const workerEnv = { ...env, MAILER: "resend", MAIL_API_KEY: "re_test", OUTBOX_QUEUE: queue } as Env;
    const ctx = createExecutionContext();
    await worker.email(fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: q\r\nMessage-ID: <q-1@example.com>\r\n\r\nq\r\n` }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(delivered).toEqual([]);
    expect(await state()).toEqual([{ state: "queued", attempts: 0 }]);
    expect(sent).toHaveLength(1);

    const result = await deliver([sent[0], sent[0]], workerEnv);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(delivered).toEqual([STAFF_ONE]);
    expect(await state()).toEqual([{ state: "sent", attempts: 1 }]);
  });

  it("a temporary failure comes back after the row's backoff; the cron hands due rows to the queue", async () => {
    await makeAddress({ recipients: [STAFF_ONE] });
    const { sent, queue } = recordingQueue();
    let calls = 0;
    const delivered = fakeResend(() => (++calls === 1 ? 503 : 200));
    const workerEnv = { ...env, MAILER: "resend", MAIL_API_KEY: "re_test", OUTBOX_QUEUE: queue } as Env;
    const ctx = createExecutionContext();
    await worker.email(fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: q\r\nMessage-ID: <q-2@example.com>\r\n\r\nq\r\n` }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);

    const first = await deliver([sent[0]], workerEnv);
    expect(first.retryMessages).toEqual([{ msgId: "m0" }]);
    expect(first.retryOptions).toEqual([{ delaySeconds: 60 }]);
    expect(await state()).toEqual([{ state: "failed-temporary", attempts: 1 }]);
    // Redelivered before it is due (a duplicate): nothing happens.
    await deliver([sent[0]], workerEnv);
    expect(calls).toBe(1);

    await runScheduled(workerEnv, Date.now() + 2 * MINUTE);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual(sent[0]);
    expect(calls).toBe(1);
    // The consumer runs with the real clock; make the row due now, as two minutes later it is.
    await env.DB.prepare("UPDATE outbox SET next_attempt_at = 0 WHERE kind = 'relay'").run();
    const second = await deliver([sent[1]], workerEnv);
    expect(second.explicitAcks).toEqual(["m0"]);
    expect(delivered).toEqual([STAFF_ONE]);
    expect(await state()).toEqual([{ state: "sent", attempts: 2 }]);
  });

  it("when the queue refuses the message, the first attempt is made at once instead", async () => {
    await makeAddress({ recipients: [STAFF_ONE] });
    const delivered = fakeResend(() => 200);
    const broken = { async sendBatch() { throw new Error("Queue is unavailable"); } } as unknown as Queue<OutboxJob>;
    const workerEnv = { ...env, MAILER: "resend", MAIL_API_KEY: "re_test", OUTBOX_QUEUE: broken } as Env;
    const ctx = createExecutionContext();
    await worker.email(fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: q\r\nMessage-ID: <q-3@example.com>\r\n\r\nq\r\n` }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(delivered).toEqual([STAFF_ONE]);
    expect(await state()).toEqual([{ state: "sent", attempts: 1 }]);
  });

  it("when the queue refuses the cron's retries, the cron sends them itself", async () => {
    await makeAddress({ recipients: [STAFF_ONE] });
    let calls = 0;
    const delivered = fakeResend(() => (++calls === 1 ? 503 : 200));
    const workerEnv = { ...env, MAILER: "resend", MAIL_API_KEY: "re_test" } as Env;
    const ctx = createExecutionContext();
    await worker.email(fakeEmail({ from: HANAKO, to: PUBLIC, raw: `From: <${HANAKO}>\r\nTo: ${PUBLIC}\r\nSubject: q\r\nMessage-ID: <q-4@example.com>\r\n\r\nq\r\n` }), workerEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(await state()).toEqual([{ state: "failed-temporary", attempts: 1 }]);
    const broken = { async sendBatch() { throw new Error("Queue is unavailable"); } } as unknown as Queue<OutboxJob>;
    await runScheduled({ ...workerEnv, OUTBOX_QUEUE: broken } as Env, Date.now() + 2 * MINUTE);
    expect(delivered).toEqual([STAFF_ONE]);
    expect(await state()).toEqual([{ state: "sent", attempts: 2 }]);
  });
});
