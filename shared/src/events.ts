import { z } from "zod";

import { deployFinishedEventFields, deployLogEventFields, deployStepEventFields } from "./deploy.js";
import { downloadJobEventFields, libraryChangedEventFields } from "./models.js";
import { comfyuiStateSchema, serviceStatusSchema } from "./overview.js";
import { syncFailureSchema, syncJobSchema, syncProgressSchema, syncRuleStatusSchema } from "./sync.js";
import { utcTimestampSchema } from "./time.js";
import { promptWaitEventFields } from "./workflows.js";

// Events the reporter pushes as they happen. The edge fans them out to browsers
// unchanged; snapshots carry the settled state, events carry the motion between them.

const at = utcTimestampSchema;
const promptId = z.string().max(128);
const nodeId = z.string().max(128);

/** Progress of the running prompt through its nodes. */
const promptPosition = {
  prompt_id: promptId,
  nodes_done: z.number().int().nonnegative(),
  node_count: z.number().int().nonnegative(),
};

/**
 * `exception_type` of a `comfyui.execution_error` for a prompt ComfyUI will never finish:
 * it stopped, crashed or restarted while the prompt was queued or running.
 */
export const PROMPT_LOST_EXCEPTION = "PromptLost";

export const eventSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("comfyui.state"), at, state: comfyuiStateSchema }),
  z.object({
    kind: z.literal("comfyui.queue"),
    at,
    queue_running: z.number().int().nonnegative(),
    queue_pending: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal("comfyui.execution_start"), at, ...promptPosition }),
  z.object({
    kind: z.literal("comfyui.executing"),
    at,
    ...promptPosition,
    node: nodeId,
    node_class: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("comfyui.progress"),
    at,
    ...promptPosition,
    node: nodeId.nullable(),
    node_class: z.string().nullable(),
    value: z.number().nonnegative(),
    max: z.number().nonnegative(),
  }),
  z.object({
    kind: z.literal("comfyui.executed"),
    at,
    ...promptPosition,
    node: nodeId,
    node_class: z.string().nullable(),
    images: z.array(z.object({ filename: z.string(), subfolder: z.string(), type: z.string() })),
  }),
  z.object({ kind: z.literal("comfyui.execution_success"), at, ...promptPosition, duration_ms: z.number().nonnegative().nullable() }),
  z.object({
    kind: z.literal("comfyui.execution_error"),
    at,
    ...promptPosition,
    node: nodeId.nullable(),
    node_class: z.string().nullable(),
    exception_type: z.string(),
    exception_message: z.string().max(4000),
  }),
  z.object({
    kind: z.literal("comfyui.execution_interrupted"),
    at,
    ...promptPosition,
    node: nodeId.nullable(),
    node_class: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("service.changed"),
    at,
    name: z.string(),
    status: serviceStatusSchema,
    restarts: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("log"),
    at,
    source: z.string().max(64),
    level: z.enum(["debug", "info", "warn", "error"]),
    lines: z.array(z.string().max(8000)).max(500),
  }),
  /** A sync job began; `rule_name` saves the page a rule lookup. */
  z.object({ kind: z.literal("sync.job.started"), at, job: syncJobSchema, rule_name: z.string() }),
  /** Live figures of a running sync job, about once a second. */
  z.object({ kind: z.literal("sync.job.progress"), at, job_id: z.string().max(64), rule_id: z.string(), progress: syncProgressSchema }),
  z.object({ kind: z.literal("sync.job.finished"), at, job: syncJobSchema, failure: syncFailureSchema.nullable() }),
  /** A rule's state changed: running, retry planned (with `next_attempt_at`), remote offline, idle. */
  z.object({ kind: z.literal("sync.rule.status"), at, status: syncRuleStatusSchema }),
  z.object({ kind: z.literal("download.job"), at, ...downloadJobEventFields }),
  z.object({ kind: z.literal("models.library.changed"), at, ...libraryChangedEventFields }),
  /**
   * Sent after reconnecting when the reporter's buffer of events produced while the edge was
   * unreachable overflowed: `dropped` events, the oldest first, from `since` on, were lost.
   */
  z.object({ kind: z.literal("link.events_dropped"), at, dropped: z.number().int().positive(), since: utcTimestampSchema }),
  /** A prompt held by ComfyCarry until its missing models arrive, then submitted or failed. */
  z.object({ kind: z.literal("workflows.prompt.wait"), at, ...promptWaitEventFields }),
  z.object({ kind: z.literal("deploy.step"), at, ...deployStepEventFields }),
  z.object({ kind: z.literal("deploy.log"), at, ...deployLogEventFields }),
  z.object({ kind: z.literal("deploy.finished"), at, ...deployFinishedEventFields }),
]);
export type ProtocolEvent = z.infer<typeof eventSchema>;
export type EventKind = ProtocolEvent["kind"];
