/** The three ComfyUI routes the journal uses, keeping whole queue items (graph and extra data). */
import { ComfyCarryError, parseValue } from "@comfycarry/shared";
import { z } from "zod";

import { plainFetch } from "../../http/plain-fetch.js";

const graphSchema = z.record(z.string(), z.looseObject({ class_type: z.string() }));

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute, ...]`. */
const itemSchema = z
  .array(z.unknown())
  .min(4)
  .transform((item) => ({
    promptId: String(item[1]),
    graph: graphSchema.safeParse(item[2]).data ?? null,
    extra: z.record(z.string(), z.unknown()).safeParse(item[3]).data ?? {},
  }));
export type QueueItem = z.output<typeof itemSchema>;

const queueSchema = z.looseObject({ queue_running: z.array(itemSchema), queue_pending: z.array(itemSchema) });
export type QueueView = z.output<typeof queueSchema>;

const historySchema = z.record(z.string(), z.looseObject({ status: z.looseObject({ status_str: z.string().optional(), messages: z.array(z.tuple([z.string(), z.unknown()])).optional() }).optional() }));
const postedSchema = z.looseObject({ prompt_id: z.string() });

async function getJson(baseUrl: string, path: string): Promise<unknown> {
  const response = await plainFetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) {
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered GET ${path} with HTTP ${response.status}`, { path });
  }
  return response.json();
}

export async function readQueue(baseUrl: string): Promise<QueueView> {
  const parsed = parseValue(queueSchema, await getJson(baseUrl, "/queue"));
  if (!parsed.ok) {
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI's /queue has an unexpected shape: ${parsed.issues}`);
  }
  return parsed.value;
}

/** The outcome ComfyUI's history keeps for a prompt, or null when it has none. */
export async function historyOutcome(baseUrl: string, promptId: string): Promise<"done" | "failed" | "interrupted" | null> {
  const parsed = parseValue(historySchema, await getJson(baseUrl, `/history/${encodeURIComponent(promptId)}`));
  const status = parsed.ok ? parsed.value[promptId]?.status : undefined;
  if (status === undefined) {
    return null;
  }
  if (status.status_str === "success") {
    return "done";
  }
  return status.messages?.some(([kind]) => kind === "execution_interrupted") === true ? "interrupted" : "failed";
}

/** Queues `graph` under a new id; a refusal names ComfyUI's error. */
export async function postPrompt(baseUrl: string, promptId: string, graph: unknown, extra: unknown): Promise<string> {
  const response = await plainFetch(`${baseUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: graph, prompt_id: promptId, extra_data: extra }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = await response.text();
  if (!response.ok) {
    throw new ComfyCarryError("command_failed", `ComfyUI rejected the prompt when it was queued again: HTTP ${response.status} ${body.slice(0, 500)}`, { status: response.status });
  }
  const parsed = parseValue(postedSchema, JSON.parse(body));
  return parsed.ok ? parsed.value.prompt_id : promptId;
}
