import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";

import { z } from "zod";

import type { Logger } from "../../log/logger.js";
import { gatePromptRequest } from "../../workflows/on-demand/http-gate.js";
import type { GatePrompt } from "../../workflows/on-demand/http-gate.js";
import { QUEUED_PROMPT_SOURCE, queuedPromptFrame } from "../queued-prompt.js";
import { promptGraphSchema } from "../schemas.js";
import { forwardRequest } from "./http-forward.js";
import { isPromptPost } from "./prompt-tee.js";

const heldBodySchema = z.looseObject({ prompt: promptGraphSchema });

export interface GatedForwardOptions {
  target: URL;
  log: Logger;
  observe: (text: string, source: string) => void;
  /** The on-demand model gate, or null to forward every prompt unchecked. */
  gate: GatePrompt | null;
}

/**
 * Forwards one request to ComfyUI like `forwardRequest`, except that a `POST /prompt` first
 * goes through the on-demand gate. Only that body is read whole; every other body streams.
 */
export function forwardThroughGate(request: IncomingMessage, response: ServerResponse, options: GatedForwardOptions): void {
  const { target, log, observe, gate } = options;
  if (gate === null || !isPromptPost(request)) {
    forwardRequest(request, response, target, log, observe);
    return;
  }

  const reportHeld: GatePrompt = async (body) => {
    const outcome = await gate(body);
    if (outcome.kind === "held") {
      reportHeldGraph(outcome.promptId, body, observe, log);
    }
    return outcome;
  };
  const forward = (replay: Readable): void => forwardRequest(request, response, target, log, observe, replay);
  gatePromptRequest(request, response, reportHeld, forward, log).catch((error: unknown) => {
    log.error({ err: error, path: request.url }, "the prompt gate failed on a POST /prompt");
    response.destroy();
  });
}

/**
 * Tells the bridge the held prompt's graph under the id the client already has, as the prompt
 * tee does for a forwarded prompt. The gate queues it later straight in ComfyUI, where the
 * prompt journal finds it in /queue like any other prompt.
 */
function reportHeldGraph(promptId: string, body: unknown, observe: (text: string, source: string) => void, log: Logger): void {
  const parsed = heldBodySchema.safeParse(body);
  if (!parsed.success) {
    return;
  }
  try {
    observe(queuedPromptFrame(promptId, parsed.data.prompt), QUEUED_PROMPT_SOURCE);
  } catch (error) {
    log.error({ err: error, promptId }, "reporting a held prompt to the bridge failed");
  }
}
