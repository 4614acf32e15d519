import { applySyncEvent, emptySyncLive, isSyncEvent, settleSyncJobs } from "./syncLive";

import type { SyncLive } from "./syncLive";
import type { DownloadJob, InstanceOverview, ProtocolEvent } from "@comfycarry/shared";

// The live view of one instance, folded from overview frames and events. Snapshots carry
// the settled state every few seconds, and events carry the motion between them. Each
// piece of state remembers the reporter time it came from, and the newer source wins.

/** The prompt ComfyUI is running, as last reported by a snapshot or an event. */
export interface PromptProgress {
  prompt_id: string;
  node: string | null;
  node_class: string | null;
  nodes_done: number;
  node_count: number;
  progress: { value: number; max: number } | null;
}

/** The last prompt's outcome. */
export type PromptOutcome =
  | { kind: "success"; prompt_id: string; at: string; duration_ms: number | null }
  | { kind: "error"; prompt_id: string; at: string; node_class: string | null; exception_type: string; exception_message: string }
  | { kind: "interrupted"; prompt_id: string; at: string };

/** One point of the trend charts: the reporter's capture time and one value set per GPU. */
export interface TrendSample {
  t: number;
  gpus: { utilization: number | null; vram: number | null; temperature: number | null }[];
}

/** Everything the overview page shows about one instance. */
export interface LiveState {
  overview: InstanceOverview | null;
  /** Local clock (ms) when `overview` arrived, to age the snapshot without trusting the container's clock. */
  receivedAtMs: number | null;
  /** True while `overview` is the copy cached by an earlier visit and nothing newer came yet. */
  fromCache: boolean;
  prompt: PromptProgress | null;
  /** Reporter time of the information in `prompt`. */
  promptAt: string | null;
  lastOutcome: PromptOutcome | null;
  lastActivityAt: string | null;
  trend: TrendSample[];
  /** Running sync jobs, rule states and recent finished jobs, from sync events. */
  sync: SyncLive;
  /** Download jobs as their last `download.job` event left them, by id. */
  downloads: Record<string, DownloadJob>;
  /** Bumped on every `models.library.changed` event, so the Models page knows to reload. */
  libraryVersion: number;
  /** Prompts held for missing models, as their last `workflows.prompt.wait` event left them, by prompt id. */
  promptWaits: Record<string, PromptWait>;
}

/** A prompt held until its missing models are pulled. */
export type PromptWait = Extract<ProtocolEvent, { kind: "workflows.prompt.wait" }>;

/** Trend points kept: one hour of snapshots at the watched cadence of one every 2 s. */
export const MAX_TREND_SAMPLES = 1800;

/** Returns a state with nothing known yet. */
export function emptyLiveState(): LiveState {
  return { overview: null, receivedAtMs: null, fromCache: false, prompt: null, promptAt: null, lastOutcome: null, lastActivityAt: null, trend: [], sync: emptySyncLive(), downloads: {}, libraryVersion: 0, promptWaits: {} };
}

/** Returns whether reporter timestamp `a` is at or after `b`; a missing `b` counts as older. */
function notOlder(a: string, b: string | null): boolean {
  return b === null || Date.parse(a) >= Date.parse(b);
}

/** Returns the later of two timestamps. */
function later(a: string | null, b: string | null): string | null {
  if (a === null) {
    return b;
  }
  return b === null || Date.parse(a) >= Date.parse(b) ? a : b;
}

/**
 * Builds one trend point from a snapshot's GPUs. While sampling fails, `gpus` repeats the last
 * good sample, so the point has no values and the charts show a gap instead of a flat line.
 */
function trendSample(overview: InstanceOverview): TrendSample | null {
  const snapshot = overview.snapshot;
  if (snapshot === null) {
    return null;
  }

  const capturedS = Date.parse(snapshot.captured_at) / 1000;
  if (snapshot.system.gpu_error !== null) {
    return { t: capturedS, gpus: snapshot.system.gpus.map(() => ({ utilization: null, vram: null, temperature: null })) };
  }

  const gpus = snapshot.system.gpus.map((gpu) => ({
    utilization: gpu.utilization_percent,
    vram:
      gpu.memory_used_bytes !== null && gpu.memory_total_bytes !== null && gpu.memory_total_bytes > 0
        ? (gpu.memory_used_bytes / gpu.memory_total_bytes) * 100
        : null,
    temperature: gpu.temperature_c,
  }));
  return { t: capturedS, gpus };
}

/**
 * Applies an overview from the edge. An overview whose snapshot is older than the one
 * shown is ignored, so a slow poll cannot undo a newer socket frame. Returns whether it
 * was applied.
 */
export function applyOverview(state: LiveState, overview: InstanceOverview, receivedAtMs: number, options: { cached?: boolean } = {}): boolean {
  const shownAt = state.overview?.snapshot?.captured_at ?? null;
  const incomingAt = overview.snapshot?.captured_at ?? null;
  if (shownAt !== null && (incomingAt === null || !notOlder(incomingAt, shownAt))) {
    return false;
  }

  const isNewSnapshot = incomingAt !== null && incomingAt !== shownAt;
  state.overview = overview;
  state.receivedAtMs = receivedAtMs;
  state.fromCache = options.cached === true;

  const snapshot = overview.snapshot;
  if (snapshot === null) {
    return true;
  }

  state.lastActivityAt = later(state.lastActivityAt, snapshot.comfyui.last_activity_at);
  settleSyncJobs(state.sync, snapshot);
  if (notOlder(snapshot.captured_at, state.promptAt)) {
    state.prompt = snapshot.comfyui.current === null ? null : { ...snapshot.comfyui.current };
    state.promptAt = snapshot.captured_at;
  }

  if (isNewSnapshot && options.cached !== true) {
    const sample = trendSample(overview);
    if (sample !== null) {
      state.trend.push(sample);
      state.trend.splice(0, Math.max(0, state.trend.length - MAX_TREND_SAMPLES));
    }
  }
  return true;
}

/** Applies one event from the reporter. */
export function applyEvent(state: LiveState, event: ProtocolEvent): void {
  if (isSyncEvent(event)) {
    applySyncEvent(state.sync, event);
    return;
  }
  const snapshot = state.overview?.snapshot ?? null;
  const afterSnapshot = snapshot === null || notOlder(event.at, snapshot.captured_at);

  switch (event.kind) {
    case "comfyui.state":
      if (snapshot !== null && afterSnapshot) {
        snapshot.comfyui.state = event.state;
        snapshot.comfyui.online = event.state === "online";
      }
      return;

    case "comfyui.queue":
      if (snapshot !== null && afterSnapshot) {
        snapshot.comfyui.queue_running = event.queue_running;
        snapshot.comfyui.queue_pending = event.queue_pending;
      }
      return;

    case "service.changed":
      if (snapshot !== null && afterSnapshot && snapshot.services.available) {
        const service = snapshot.services.items.find((item) => item.name === event.name);
        if (service !== undefined) {
          service.status = event.status;
          service.restarts = event.restarts;
        }
      }
      return;

    case "log":
      return;

    case "download.job":
      state.downloads[event.job.id] = event.job;
      if (snapshot !== null && afterSnapshot) {
        applyDownloadProgress(snapshot, event.job);
      }
      return;

    case "models.library.changed":
      state.libraryVersion += 1;
      return;

    case "workflows.prompt.wait":
      state.promptWaits = { ...state.promptWaits, [event.prompt_id]: event };
      return;

    default:
      // Events without a prompt position (link, deploy) change nothing here.
      if ("nodes_done" in event) {
        applyPromptEvent(state, event);
      }
  }
}

/** Moves the overview's current download forward between snapshots; the next snapshot settles the counts. */
function applyDownloadProgress(snapshot: NonNullable<InstanceOverview["snapshot"]>, job: DownloadJob): void {
  const section = snapshot.downloads;
  if (!section.available) {
    return;
  }
  const name = job.file_name ?? job.url;
  if (job.status === "active") {
    section.current = { name, downloaded_bytes: job.downloaded_bytes, total_bytes: job.total_bytes, speed_bytes_per_s: job.speed_bytes_per_s };
  } else if (section.current?.name === name) {
    section.current = null;
  }
}

type PromptEvent = Extract<ProtocolEvent, { nodes_done: number }>;

/** Moves the running prompt forward, or closes it with its outcome. */
function applyPromptEvent(state: LiveState, event: PromptEvent): void {
  if (!notOlder(event.at, state.promptAt)) {
    return;
  }

  state.promptAt = event.at;
  state.lastActivityAt = later(state.lastActivityAt, event.at);
  const position = { prompt_id: event.prompt_id, nodes_done: event.nodes_done, node_count: event.node_count };
  const current = state.prompt?.prompt_id === event.prompt_id ? state.prompt : null;

  switch (event.kind) {
    case "comfyui.execution_start":
      state.prompt = { ...position, node: null, node_class: null, progress: null };
      return;

    case "comfyui.executing":
      state.prompt = { ...position, node: event.node, node_class: event.node_class, progress: null };
      return;

    case "comfyui.progress":
      state.prompt = {
        ...position,
        node: event.node ?? current?.node ?? null,
        node_class: event.node_class ?? current?.node_class ?? null,
        progress: { value: event.value, max: event.max },
      };
      return;

    case "comfyui.executed":
      state.prompt = { ...position, node: current?.node ?? event.node, node_class: current?.node_class ?? event.node_class, progress: current?.progress ?? null };
      return;

    case "comfyui.execution_success":
      state.prompt = null;
      state.lastOutcome = { kind: "success", prompt_id: event.prompt_id, at: event.at, duration_ms: event.duration_ms };
      return;

    case "comfyui.execution_error":
      state.prompt = null;
      state.lastOutcome = {
        kind: "error",
        prompt_id: event.prompt_id,
        at: event.at,
        node_class: event.node_class,
        exception_type: event.exception_type,
        exception_message: event.exception_message,
      };
      return;

    case "comfyui.execution_interrupted":
      state.prompt = null;
      state.lastOutcome = { kind: "interrupted", prompt_id: event.prompt_id, at: event.at };
      return;
  }
}

/** Age of the shown snapshot in ms at local time `nowMs`, from the edge's age plus time since arrival. */
export function snapshotAgeMs(state: LiveState, nowMs: number): number | null {
  const base = state.overview?.snapshot_age_ms ?? null;
  if (base === null || state.receivedAtMs === null) {
    return null;
  }
  return base + Math.max(0, nowMs - state.receivedAtMs);
}
