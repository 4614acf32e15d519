/** ComfyUI's queue, history and /view routes as the queue feature reads them. */
import { ComfyCarryError, parseValue } from "@comfycarry/shared";
import { z } from "zod";

/** ComfyUI serves /queue and /history from memory, so a slow response means it is stuck. */
const TIMEOUT_MS = 5_000;

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute, ...]`. */
const itemSchema = z
  .array(z.unknown())
  .min(3)
  .transform((item) => {
    const extra = z.looseObject({ client_id: z.string().optional(), create_time: z.number().optional() }).safeParse(item[3]).data;
    const graph = z.record(z.string(), z.unknown()).safeParse(item[2]).data;
    return {
      number: typeof item[0] === "number" ? item[0] : 0,
      promptId: String(item[1]),
      nodeCount: graph === undefined ? 0 : Object.keys(graph).length,
      clientId: extra?.client_id ?? null,
      createTime: extra?.create_time ?? null,
    };
  });
export type RawQueueItem = z.output<typeof itemSchema>;

const queueSchema = z.looseObject({ queue_running: z.array(itemSchema), queue_pending: z.array(itemSchema) });
export type RawQueue = z.output<typeof queueSchema>;

const imageSchema = z.looseObject({ filename: z.string(), subfolder: z.string().default(""), type: z.string().default("output") });

const historyEntrySchema = z.looseObject({
  outputs: z.record(z.string(), z.looseObject({ images: z.array(z.unknown()).optional() }).nullable()).optional(),
  status: z
    .looseObject({
      status_str: z.string().optional(),
      messages: z.array(z.tuple([z.string(), z.looseObject({ timestamp: z.number().optional() })])).optional(),
    })
    .optional(),
});
export type RawHistoryEntry = z.output<typeof historyEntrySchema>;

const historySchema = z.record(z.string(), historyEntrySchema);

/** Returns the image references of a history entry, skipping malformed ones. */
export function imagesOf(entry: RawHistoryEntry): Array<z.output<typeof imageSchema>> {
  return Object.values(entry.outputs ?? {}).flatMap((output) => (output?.images ?? []).flatMap((image) => imageSchema.safeParse(image).data ?? []));
}

async function request(baseUrl: string, method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  try {
    return await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI at ${baseUrl} did not respond to ${method} ${path}: ${reason}. Check that ComfyUI is running.`, { path }, { cause: error });
  }
}

async function getParsed<S extends z.ZodType>(baseUrl: string, path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
  const response = await request(baseUrl, "GET", path, undefined, signal);
  if (!response.ok) {
    await response.arrayBuffer().catch(() => undefined);
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI responded to GET ${path} with HTTP ${response.status}`, { path, status: response.status });
  }
  const parsed = parseValue(schema, await response.json().catch(() => null));
  if (!parsed.ok) {
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI's ${path} has an unexpected shape: ${parsed.issues}`, { path });
  }
  return parsed.value;
}

export function fetchQueue(baseUrl: string, signal?: AbortSignal): Promise<RawQueue> {
  return getParsed(baseUrl, "/queue", queueSchema, signal);
}

/** Fetches the last `limit` history entries, oldest first as ComfyUI keeps them. */
export function fetchHistory(baseUrl: string, limit: number, signal?: AbortSignal): Promise<Record<string, RawHistoryEntry>> {
  return getParsed(baseUrl, `/history?max_items=${limit}`, historySchema, signal);
}

/** Asks ComfyUI to remove pending prompts. ComfyUI ignores ids that are not pending. */
export async function deletePending(baseUrl: string, promptIds: string[], signal?: AbortSignal): Promise<void> {
  const response = await request(baseUrl, "POST", "/queue", { delete: promptIds }, signal);
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) {
    throw new ComfyCarryError("comfyui_unreachable", `ComfyUI responded to POST /queue with HTTP ${response.status}`, { path: "/queue", status: response.status });
  }
}

/** Requests GET /view with `query`. The caller reads and caps the body. */
export function fetchView(baseUrl: string, query: URLSearchParams, signal?: AbortSignal): Promise<Response> {
  return request(baseUrl, "GET", `/view?${query.toString()}`, undefined, signal);
}
