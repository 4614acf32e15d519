import { z } from "zod";

// ComfyUI's HTTP bodies and /ws messages as the reporter reads them. ComfyUI is not our
// protocol, so these accept extra keys and only require the fields the bridge uses.

/** A prompt graph: node id to `{ class_type, inputs }`. */
export const promptGraphSchema = z.record(z.string(), z.looseObject({ class_type: z.string().optional() }));
export type PromptGraph = z.infer<typeof promptGraphSchema>;

/** The `extra_data` of a queue item, which names the socket that queued the prompt. */
const extraDataSchema = z.looseObject({ client_id: z.string() });

/** The whole `extra_data`, which the prompt journal keeps to queue a lost prompt again. */
const extraSchema = z.record(z.string(), z.unknown());

/** A queue item: `[number, prompt_id, prompt, extra_data, outputs_to_execute, ...]`. */
const queueItemSchema = z
  .array(z.unknown())
  .min(3)
  .transform((item) => ({
    promptId: String(item[1]),
    graph: promptGraphSchema.safeParse(item[2]).data ?? {},
    clientId: extraDataSchema.safeParse(item[3]).data?.client_id ?? null,
    extra: extraSchema.safeParse(item[3]).data ?? {},
  }));
export type QueueItem = z.output<typeof queueItemSchema>;

export const queueSchema = z.looseObject({
  queue_running: z.array(queueItemSchema),
  queue_pending: z.array(queueItemSchema),
});
export type Queue = z.output<typeof queueSchema>;

export const systemStatsSchema = z.looseObject({
  system: z.looseObject({
    comfyui_version: z.string().nullish(),
    pytorch_version: z.string().nullish(),
    python_version: z.string().nullish(),
  }),
});
export type SystemStats = z.output<typeof systemStatsSchema>;

/** One `[event, data]` pair of a history entry's `status.messages`. */
const historyMessageSchema = z.tuple([z.string(), z.record(z.string(), z.unknown())]);

export const historyEntrySchema = z.looseObject({
  /** The queue item as it was queued: `[number, prompt_id, prompt, extra_data, outputs_to_execute, ...]`. */
  prompt: z.array(z.unknown()).optional(),
  status: z
    .looseObject({
      status_str: z.string().optional(),
      completed: z.boolean().optional(),
      messages: z.array(historyMessageSchema).optional(),
    })
    .optional(),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

/** Returns the prompt graph stored in a history entry, or null when it has none. */
export function graphOfHistory(entry: HistoryEntry): PromptGraph | null {
  return promptGraphSchema.safeParse(entry.prompt?.[2]).data ?? null;
}

/** `GET /history/{id}`: `{ id: entry }`, or `{}` while queued or when unknown. */
export const historySchema = z.record(z.string(), historyEntrySchema);

/** Every /ws text frame. */
export const wsFrameSchema = z.object({ type: z.string(), data: z.unknown() });
export type WsFrame = z.infer<typeof wsFrameSchema>;

const at = { timestamp: z.number().optional() };

/** Data of the frames the bridge turns into events, by frame type. */
export const frameDataSchemas = {
  status: z.looseObject({
    status: z.looseObject({ exec_info: z.looseObject({ queue_remaining: z.number() }) }).optional(),
    sid: z.string().optional(),
  }),
  execution_start: z.looseObject({ prompt_id: z.string(), ...at }),
  execution_cached: z.looseObject({ prompt_id: z.string(), nodes: z.array(z.string()), ...at }),
  executing: z.looseObject({ prompt_id: z.string().optional(), node: z.string().nullable() }),
  executed: z.looseObject({
    prompt_id: z.string(),
    node: z.string(),
    output: z.looseObject({ images: z.array(z.looseObject({ filename: z.string(), subfolder: z.string(), type: z.string() })).optional() }).nullish(),
  }),
  execution_success: z.looseObject({ prompt_id: z.string(), ...at }),
  execution_error: z.looseObject({
    prompt_id: z.string(),
    node_id: z.string().nullish(),
    node_type: z.string().nullish(),
    exception_type: z.string().default("Exception"),
    exception_message: z.string().default(""),
    ...at,
  }),
  execution_interrupted: z.looseObject({ prompt_id: z.string(), node_id: z.string().nullish(), node_type: z.string().nullish(), ...at }),
  logs: z.looseObject({ entries: z.array(z.looseObject({ t: z.string().optional(), m: z.string() })) }),
};
export type FrameType = keyof typeof frameDataSchemas;
export type FrameData<T extends FrameType> = z.output<(typeof frameDataSchemas)[T]>;
