/**
 * The on-demand gate as an HTTP step for a proxy in front of ComfyUI. A `POST /prompt` body is
 * read (up to a limit) and checked: a prompt that needs nothing missing is forwarded with the
 * same bytes, and a held one is answered at once the way ComfyUI answers `POST /prompt`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

import type { Logger } from "../../log/logger.js";
import type { GateOutcome } from "./gate.js";

/** Prompt bodies above this are forwarded unchecked; real graphs with embedded workflows stay well below it. */
export const MAX_GATED_BODY_BYTES = 16 * 1024 * 1024;

export type GatePrompt = (body: unknown) => Promise<GateOutcome>;

async function readBody(request: IncomingMessage): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_GATED_BODY_BYTES) {
      return { bytes: Buffer.concat(chunks), complete: false };
    }
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

/**
 * Runs the gate on a `POST /prompt`. `forward` receives a request stream that replays the body
 * (followed by any unread rest), so the caller forwards it exactly as it would the original.
 */
export async function gatePromptRequest(request: IncomingMessage, response: ServerResponse, gate: GatePrompt, forward: (body: Readable) => void, log: Logger): Promise<void> {
  const { bytes, complete } = await readBody(request);
  const replay = (): Readable => (complete ? Readable.from([bytes]) : Readable.from((async function* () {
    yield bytes;
    yield* request;
  })()));

  let outcome: GateOutcome = { kind: "pass" };
  if (complete) {
    try {
      outcome = await gate(JSON.parse(bytes.toString("utf8")));
    } catch (error) {
      // A body that is not JSON, or a gate failure, goes to ComfyUI, which returns its own error.
      log.debug({ err: error }, "prompt gate skipped this request");
    }
  }

  if (outcome.kind === "pass") {
    forward(replay());
    return;
  }
  const text = JSON.stringify(outcome.response);
  response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
