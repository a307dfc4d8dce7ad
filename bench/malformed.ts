// 10 000 generated malformed messages through the pure core (the test suite runs 1000).
import fc from "fast-check";
import { renderCopy } from "../worker/email/render-copy";
import { binaryToBytes } from "../worker/mime/bytes";
import { parseMessage } from "../worker/mime/message";
import { MimeLimitError } from "../worker/mime/mime-tree";
import { malformedMessage } from "../test/helpers/malformed-mime";

export function runMalformed(runs: number): { relayed: number; refused: number; crashed: number; firstCrash: string } {
  const result = { relayed: 0, refused: 0, crashed: 0, firstCrash: "" };
  for (const raw of fc.sample(malformedMessage, { numRuns: runs, seed: 7 })) {
    try {
      renderCopy(parseMessage(binaryToBytes(raw)), { from: "<r@relay.example.jp>", to: [], cc: [], messageId: "<x@relay.example.jp>", thread: [] }, () => null);
      result.relayed++;
    } catch (error) {
      if (error instanceof MimeLimitError) result.refused++;
      else {
        result.crashed++;
        result.firstCrash ||= String(error).slice(0, 200);
      }
    }
  }
  return result;
}
