/** The jobs API (`/api/jobs`, `/api/jobs/{job_id}`): queue and history as one list of jobs. */
import type { HistoryEntry, QueueItem } from "../exec/queue.js";
import { PyFloat, dict, isDict, type PyDict, type PyValue } from "../py/value.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { json, type SimResponse } from "../server/respond.js";

const STATUSES = ["pending", "in_progress", "completed", "failed", "cancelled"];
const MEDIA_KEYS = ["images", "video", "audio", "3d"];

interface Job {
  value: PyDict;
  createTime: number;
  duration: number | null;
}

function numberValue(value: PyValue | undefined): number | null {
  if (typeof value === "number") {
    return value;
  }
  return value instanceof PyFloat ? value.value : null;
}

function workflowId(item: QueueItem): PyValue {
  const pngInfo = item.extraData.get("extra_pnginfo");
  const workflow = isDict(pngInfo) ? pngInfo.get("workflow") : undefined;
  return isDict(workflow) ? (workflow.get("id") ?? null) : null;
}

function previewOutput(outputs: PyDict): PyDict | null {
  for (const [nodeId, nodeOutput] of outputs) {
    if (!isDict(nodeOutput)) {
      continue;
    }
    for (const [mediaType, items] of nodeOutput) {
      if (!Array.isArray(items)) {
        continue;
      }
      for (const item of items) {
        if (!isDict(item)) {
          continue;
        }
        const format = item.get("format");
        const mediaLike = MEDIA_KEYS.includes(mediaType) || (typeof format === "string" && (format.startsWith("video/") || format.startsWith("audio/")));
        if (item.get("type") === "output" && mediaLike) {
          return dict([...item, ["nodeId", nodeId], ["mediaType", mediaType]]);
        }
      }
    }
  }
  return null;
}

function outputsCount(outputs: PyDict): number {
  let count = 0;
  for (const nodeOutput of outputs.values()) {
    if (!isDict(nodeOutput)) {
      continue;
    }
    for (const items of nodeOutput.values()) {
      if (Array.isArray(items)) {
        count += items.length;
      }
    }
  }
  return count;
}

/** Builds a job; keys holding null are dropped, as ComfyUI's `prune_dict` does. */
function buildJob(item: QueueItem, status: string, entry: HistoryEntry | null, detailed: boolean): Job {
  const createTime = numberValue(item.extraData.get("create_time")) ?? 0;
  const messages = entry?.status.messages ?? [];
  const startMessage = messages.find(([event]) => event === "execution_start");
  const endMessage = messages.find(([event]) => ["execution_success", "execution_error", "execution_interrupted"].includes(event));
  const start = numberValue(startMessage?.[1].get("timestamp"));
  const end = numberValue(endMessage?.[1].get("timestamp"));
  const errorMessage = messages.find(([event]) => event === "execution_error");

  const fields: Array<[string, PyValue]> = [
    ["id", item.promptId],
    ["status", status],
    ["priority", item.number],
    ["create_time", createTime],
    ["execution_start_time", start],
    ["execution_end_time", end],
    ["execution_error", status === "failed" && errorMessage !== undefined ? errorMessage[1] : null],
    ["outputs_count", entry === null ? 0 : outputsCount(entry.outputs)],
    ["preview_output", entry === null ? null : previewOutput(entry.outputs)],
    ["workflow_id", workflowId(item)],
  ];
  if (detailed && entry !== null) {
    fields.push(["outputs", entry.outputs]);
    fields.push([
      "execution_status",
      dict([
        ["status_str", entry.status.statusStr],
        ["completed", entry.status.completed],
        ["messages", entry.status.messages.map(([event, data]) => [event, data])],
      ]),
    ]);
  }
  if (detailed) {
    fields.push(["workflow", dict([["prompt", item.prompt], ["extra_data", item.extraData]])]);
  }
  return {
    value: new Map(fields.filter(([, value]) => value !== null)),
    createTime,
    duration: start !== null && end !== null ? end - start : null,
  };
}

function historyStatus(entry: HistoryEntry): string {
  if (entry.status.statusStr === "success") {
    return "completed";
  }
  return entry.status.messages.some(([event]) => event === "execution_interrupted") ? "cancelled" : "failed";
}

function allJobs(app: AppContext, detailed: boolean): Job[] {
  const jobs: Job[] = [];
  if (app.queue.running !== null) {
    jobs.push(buildJob(app.queue.running, "in_progress", null, detailed));
  }
  for (const item of app.queue.pending) {
    jobs.push(buildJob(item, "pending", null, detailed));
  }
  for (const entry of app.queue.history.values()) {
    jobs.push(buildJob(entry.item, historyStatus(entry), entry, detailed));
  }
  return jobs;
}

function badRequest(message: string): SimResponse {
  return json(dict([["error", message]]), 400);
}

function getJobs(request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const statusParam = request.query.get("status");
  let statuses: string[] | null = null;
  if (statusParam !== null) {
    statuses = statusParam.split(",").map((part) => part.trim()).filter((part) => part !== "");
    const invalid = statuses.filter((status) => !STATUSES.includes(status));
    if (invalid.length > 0) {
      return badRequest(`Invalid status value(s): ${invalid.join(", ")}. Valid values: ${STATUSES.join(", ")}`);
    }
  }
  const sortBy = request.query.get("sort_by") ?? "created_at";
  if (sortBy !== "created_at" && sortBy !== "execution_duration") {
    return badRequest("sort_by must be 'created_at' or 'execution_duration'");
  }
  const sortOrder = request.query.get("sort_order") ?? "desc";
  if (sortOrder !== "asc" && sortOrder !== "desc") {
    return badRequest("sort_order must be 'asc' or 'desc'");
  }
  let limit: number | null = null;
  const limitRaw = request.query.get("limit");
  if (limitRaw !== null) {
    if (!/^\s*[-+]?\d+\s*$/.test(limitRaw)) {
      return badRequest("limit must be an integer");
    }
    limit = Number.parseInt(limitRaw, 10);
    if (limit <= 0) {
      return badRequest("limit must be a positive integer");
    }
  }
  let offset = 0;
  const offsetRaw = request.query.get("offset");
  if (offsetRaw !== null) {
    if (!/^\s*[-+]?\d+\s*$/.test(offsetRaw)) {
      return badRequest("offset must be an integer");
    }
    offset = Math.max(Number.parseInt(offsetRaw, 10), 0);
  }
  const workflowFilter = request.query.get("workflow_id");

  let jobs = allJobs(app, false);
  if (statuses !== null) {
    const wanted = statuses;
    jobs = jobs.filter((job) => wanted.includes(String(job.value.get("status"))));
  }
  if (workflowFilter !== null) {
    jobs = jobs.filter((job) => job.value.get("workflow_id") === workflowFilter);
  }
  const key = (job: Job): number => (sortBy === "created_at" ? job.createTime : (job.duration ?? 0));
  jobs.sort((left, right) => (sortOrder === "asc" ? key(left) - key(right) : key(right) - key(left)));

  const total = jobs.length;
  const page = jobs.slice(offset, limit === null ? undefined : offset + limit);
  const pagination = dict([
    ["offset", offset],
    ["limit", limit],
    ["total", total],
    ["has_more", offset + page.length < total],
  ]);
  return json(dict([["jobs", page.map((job) => job.value)], ["pagination", pagination]]));
}

function getJob(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const job = allJobs(app, true).find((candidate) => candidate.value.get("id") === params.job_id);
  return job === undefined ? json(dict([["error", "Job not found"]]), 404) : json(job.value);
}

// Registered with the prefix in the path, so the `/api` twin is `/api/api/jobs`, as in ComfyUI.
export const jobRoutes: RouteDef[] = [
  { method: "GET", path: "/api/jobs", handler: getJobs },
  { method: "GET", path: "/api/jobs/{job_id}", handler: getJob },
];
