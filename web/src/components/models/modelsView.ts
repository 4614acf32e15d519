import { downloadFailureCodeSchema } from "@comfycarry/shared";

import { errorText } from "../../lib/errorText";
import { formatBytes } from "../../lib/format";

import type { ApiFailure } from "../../api/client";
import type { DownloadFailureInfo, DownloadJob, WireError } from "@comfycarry/shared";

// Pure helpers of the Models page: failure texts, progress figures and the merge of the
// loaded queue with live `download.job` events.

type Translate = (key: string, named: Record<string, unknown>) => string;

/** Statuses of jobs that are still in the queue; the others are history. */
const OPEN_STATUSES = new Set<DownloadJob["status"]>(["queued", "active", "paused", "verifying"]);

/** Turns a download failure into the user's language through `models.failure.<code>`. */
export function failureText(t: Translate, failure: Pick<DownloadFailureInfo, "code" | "params">): string {
  const params = failure.params ?? {};
  const bytes = (value: unknown) => (typeof value === "number" ? formatBytes(value) : "");
  return t(`models.failure.${failure.code}`, {
    host: "",
    repo: "",
    repo_url: "",
    file_name: "",
    ...params,
    free: bytes(params.free_bytes),
    required: bytes(params.required_bytes),
  });
}

/** Failure codes whose translated text is generic, so the reporter's message carries the actual cause. */
const DETAILED_FAILURES = new Set<DownloadFailureInfo["code"]>(["transfer_failed", "http_error"]);

/**
 * Returns the reporter's message, such as "aria2 failed with code 1: Software caused connection
 * abort", for a failure whose translated text is generic, or null. The message is in English.
 */
export function failureDetail(failure: Pick<DownloadFailureInfo, "code" | "message">): string | null {
  const message = failure.message.trim();
  return DETAILED_FAILURES.has(failure.code) && message !== "" ? message : null;
}

/** Explains a command failure; `download_failed` gets the text of its `params.reason`. */
export function commandErrorText(t: Translate, error: ApiFailure | WireError): string {
  const reason = downloadFailureCodeSchema.safeParse(error.params?.reason);
  if (error.code === "download_failed" && reason.success) {
    return failureText(t, { code: reason.data, params: nullableParams(error.params) });
  }
  return errorText(t, error);
}

function nullableParams(params: WireError["params"]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    out[key] = typeof value === "boolean" ? String(value) : value;
  }
  return out;
}

/** Percent done, or null while the size is unknown. */
export function jobPercent(job: Pick<DownloadJob, "downloaded_bytes" | "total_bytes">): number | null {
  if (job.total_bytes === null || job.total_bytes <= 0) {
    return null;
  }
  return Math.min(100, Math.floor((job.downloaded_bytes / job.total_bytes) * 100));
}

/** Returns the seconds left at the current speed, or null without a size or a speed. */
export function jobEtaSeconds(job: Pick<DownloadJob, "downloaded_bytes" | "total_bytes" | "speed_bytes_per_s">): number | null {
  if (job.total_bytes === null || job.speed_bytes_per_s <= 0) {
    return null;
  }
  return Math.max(0, Math.ceil((job.total_bytes - job.downloaded_bytes) / job.speed_bytes_per_s));
}

/**
 * Merges the queue as last loaded with the jobs live events reported since: a live job
 * wins when it is at least as new, and jobs only seen live are added.
 */
export function mergeJobs(loaded: DownloadJob[], live: Record<string, DownloadJob>): DownloadJob[] {
  const byId = new Map(loaded.map((job) => [job.id, job]));
  for (const job of Object.values(live)) {
    const known = byId.get(job.id);
    if (known === undefined || Date.parse(job.updated_at) >= Date.parse(known.updated_at)) {
      byId.set(job.id, known === undefined ? job : { ...job, position: known.position });
    }
  }
  return [...byId.values()].sort((a, b) => a.position - b.position || a.created_at.localeCompare(b.created_at));
}

/** Splits jobs into the open queue (queue order) and the history (newest first). */
export function splitJobs(jobs: DownloadJob[]): { open: DownloadJob[]; history: DownloadJob[] } {
  const open = jobs.filter((job) => OPEN_STATUSES.has(job.status));
  const history = jobs.filter((job) => !OPEN_STATUSES.has(job.status)).sort((a, b) => (b.finished_at ?? b.updated_at).localeCompare(a.finished_at ?? a.updated_at));
  return { open, history };
}

/** Returns the name a job is shown under: its file name once known, else its link. */
export function jobName(job: Pick<DownloadJob, "file_name" | "url">): string {
  return job.file_name ?? job.url;
}
