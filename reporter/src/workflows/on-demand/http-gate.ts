/**
 * The on-demand gate as an HTTP step for a proxy in front of ComfyUI. A `POST /prompt` body is
 * read whole and checked, and a body over the size limit is rejected with 413. A prompt that
 * needs nothing missing is forwarded with the same bytes. A held one gets its prompt id at
 * once, in the response shape of ComfyUI's `POST /prompt`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

import type { Logger } from "../../log/logger.js";
import type { GateOutcome } from "./gate.js";

/**
 * Maximum `POST /prompt` body the gate reads, in bytes. A larger one is rejected with 413,
 * although ComfyUI itself accepts bodies up to `--max-upload-size` (default 100 MB). API
 * graphs, even with the UI workflow in `extra_data`, are far smaller.
 */
export const MAX_GATED_BODY_BYTES = 16 * 1024 * 1024;

export type GatePrompt = (body: unknown) => Promise<GateOutcome>;

/** Reads the whole body. Returns null when it exceeds `limit`, and the rest then stays unread. */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        detach();
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      detach();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      detach();
      reject(error);
    };
    const onClose = (): void => {
      detach();
      reject(new Error("the client closed the connection before the request body ended"));
    };
    const detach = (): void => {
      request.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    request.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

/** Sends the error shape ComfyUI uses for a rejected prompt, so its frontend shows the message. */
function sendTooLarge(response: ServerResponse, size: number): void {
  const message = `the prompt body is larger than the ${size}-byte limit of ComfyCarry's prompt gate. Send the API graph without large embedded data.`;
  const text = JSON.stringify({ error: { type: "request_too_large", message, details: "", extra_info: {} }, node_errors: {} });
  response.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), connection: "close" });
  response.end(text);
}

/**
 * Runs the gate on a `POST /prompt`. `forward` receives a stream that replays the body, so
 * the caller forwards it exactly as it would the original. Never rejects: a body cut off by
 * the client is logged and the response closed.
 */
export async function gatePromptRequest(request: IncomingMessage, response: ServerResponse, gate: GatePrompt, forward: (body: Readable) => void, log: Logger, limit = MAX_GATED_BODY_BYTES): Promise<void> {
  let bytes: Buffer | null;
  try {
    bytes = await readBody(request, limit);
  } catch (error) {
    log.debug({ err: error, path: request.url }, "POST /prompt body could not be read; no response sent");
    response.destroy();
    return;
  }
  if (bytes === null) {
    log.warn({ path: request.url, limit }, "rejected a POST /prompt body over the gate's size limit");
    sendTooLarge(response, limit);
    return;
  }

  let outcome: GateOutcome = { kind: "pass" };
  try {
    outcome = await gate(JSON.parse(bytes.toString("utf8")));
  } catch (error) {
    // A body that is not JSON, or a gate failure, goes to ComfyUI, which returns its own error.
    log.debug({ err: error }, "prompt gate skipped this request");
  }

  if (outcome.kind === "pass") {
    forward(Readable.from([bytes]));
    return;
  }
  const text = JSON.stringify(outcome.response);
  response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
