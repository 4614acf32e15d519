import { z } from "zod";

import { classesOf } from "./prompt-graphs.js";
import { promptGraphSchema } from "./schemas.js";
import type { PromptGraph } from "./schemas.js";

/**
 * The proxy reports each prompt queued through it as a frame on its `observe` callback, under
 * this source. No ComfyUI socket uses this source, so a custom node that sends a frame of the
 * same type cannot plant a graph.
 */
export const QUEUED_PROMPT_SOURCE = "proxy:post-prompt";

const queuedPromptSchema = z.object({ prompt_id: z.string().min(1), prompt: promptGraphSchema });

/** Returns the frame that reports the graph of a prompt queued through the proxy to the bridge. */
export function queuedPromptFrame(promptId: string, graph: PromptGraph): string {
  return JSON.stringify({ type: "comfycarry.prompt_queued", data: { prompt_id: promptId, prompt: classesOf(graph) } });
}

/** Reads the data of a frame made by `queuedPromptFrame`; null when it is not one. */
export function parseQueuedPrompt(data: unknown): { promptId: string; graph: PromptGraph } | null {
  const parsed = queuedPromptSchema.safeParse(data);
  return parsed.success ? { promptId: parsed.data.prompt_id, graph: parsed.data.prompt } : null;
}
