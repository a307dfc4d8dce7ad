/**
 * A ForwardableEmailMessage as Cloudflare hands it to `email()`: there is no helper for this
 * in the pool, so tests build one and call the worker's handler directly.
 */
export interface FakeEmail extends ForwardableEmailMessage {
  rejectedWith: string | null;
}

export function fakeEmail(input: { from: string; to: string; raw: Uint8Array | string }): FakeEmail {
  const bytes = typeof input.raw === "string" ? new TextEncoder().encode(input.raw) : input.raw;
  const message = {
    from: input.from,
    to: input.to,
    raw: new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    }),
    rawSize: bytes.length,
    headers: new Headers(),
    rejectedWith: null as string | null,
    setReject(reason: string) {
      message.rejectedWith = reason;
    },
    async forward() {
      throw new Error("the relay never uses forward(): copies are rewritten");
    },
    async reply() {
      throw new Error("the relay never uses reply()");
    },
  };
  return message as unknown as FakeEmail;
}
