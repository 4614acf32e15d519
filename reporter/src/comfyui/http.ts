import type { z } from "zod";

import { ComfyCarryError, parseValue } from "@comfycarry/shared";

import { historySchema, queueSchema, systemStatsSchema } from "./schemas.js";
import type { HistoryEntry, Queue, SystemStats } from "./schemas.js";

/** How long one ComfyUI API call may take; ComfyUI answers these from memory. */
const REQUEST_TIMEOUT_MS = 5_000;

/** Client for the few ComfyUI HTTP routes the reporter uses. Every failure is `comfyui_unreachable`. */
export class ComfyuiHttp {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  systemStats(signal?: AbortSignal): Promise<SystemStats> {
    return this.#getJson("/system_stats", systemStatsSchema, signal);
  }

  queue(signal?: AbortSignal): Promise<Queue> {
    return this.#getJson("/queue", queueSchema, signal);
  }

  /** The history entry of one prompt, or null while it is queued, running, unknown or evicted. */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | null> {
    const entries = await this.#getJson(`/history/${encodeURIComponent(promptId)}`, historySchema, signal);
    return entries[promptId] ?? null;
  }

  /** Interrupts the running prompt; with `promptId`, ComfyUI interrupts only if that prompt is the one running. */
  async interrupt(promptId?: string, signal?: AbortSignal): Promise<void> {
    await this.#post("/interrupt", promptId === undefined ? {} : { prompt_id: promptId }, signal);
  }

  /** Empties the pending queue; the running prompt is not touched. */
  async clearQueue(signal?: AbortSignal): Promise<void> {
    await this.#post("/queue", { clear: true }, signal);
  }

  /** Subscribes or unsubscribes the socket `clientId` to ComfyUI's `logs` messages (no /api twin). */
  async subscribeLogs(clientId: string, enabled: boolean, signal?: AbortSignal): Promise<void> {
    await this.#request("PATCH", "/internal/logs/subscribe", { clientId, enabled }, signal);
  }

  async #getJson<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    const response = await this.#request("GET", path, undefined, signal);
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered GET ${path} with a body that is not JSON`, { path }, { cause: error });
    }
    const parsed = parseValue(schema, json);
    if (!parsed.ok) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered GET ${path} with an unexpected body: ${parsed.issues}`, { path });
    }
    return parsed.value;
  }

  async #post(path: string, body: unknown, signal?: AbortSignal): Promise<void> {
    const response = await this.#request("POST", path, body, signal);
    await response.arrayBuffer();
  }

  async #request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI at ${this.baseUrl} did not answer ${method} ${path}: ${reason}`, { path }, { cause: error });
    }
    if (!response.ok) {
      await response.arrayBuffer().catch(() => undefined);
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered ${method} ${path} with HTTP ${response.status}`, { path, status: response.status });
    }
    return response;
  }
}
