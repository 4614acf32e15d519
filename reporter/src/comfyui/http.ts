import type { z } from "zod";

import { ComfyCarryError, parseValue } from "@comfycarry/shared";

import { historySchema, queueSchema, systemStatsSchema } from "./schemas.js";
import type { HistoryEntry, Queue, SystemStats } from "./schemas.js";
import { KeepAliveClient } from "./keep-alive-client.js";

/** How long one ComfyUI API call may take; ComfyUI answers these from memory. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Client for the few ComfyUI HTTP routes the reporter uses. Every failure is `comfyui_unreachable`.
 * It reuses connections through node:http instead of fetch: the reporter reads /system_stats,
 * /queue and /history every few seconds, and in the latency bench fetch cost a new
 * connection, an AbortSignal and undici's stream machinery per read.
 */
export class ComfyuiHttp {
  readonly baseUrl: string;
  readonly #client: KeepAliveClient;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#client = new KeepAliveClient(this.baseUrl, REQUEST_TIMEOUT_MS);
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
    await this.#request("POST", "/interrupt", promptId === undefined ? {} : { prompt_id: promptId }, signal);
  }

  /** Empties the pending queue; the running prompt is not touched. */
  async clearQueue(signal?: AbortSignal): Promise<void> {
    await this.#request("POST", "/queue", { clear: true }, signal);
  }

  /** Subscribes or unsubscribes the socket `clientId` to ComfyUI's `logs` messages (no /api twin). */
  async subscribeLogs(clientId: string, enabled: boolean, signal?: AbortSignal): Promise<void> {
    await this.#request("PATCH", "/internal/logs/subscribe", { clientId, enabled }, signal);
  }

  /** Closes the idle connections; a later call opens a new one. */
  close(): void {
    this.#client.close();
  }

  async #getJson<S extends z.ZodType>(path: string, schema: S, signal?: AbortSignal): Promise<z.output<S>> {
    const body = await this.#request("GET", path, undefined, signal);
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch (error) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered GET ${path} with a body that is not JSON`, { path }, { cause: error });
    }
    const parsed = parseValue(schema, json);
    if (!parsed.ok) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered GET ${path} with an unexpected body: ${parsed.issues}`, { path });
    }
    return parsed.value;
  }

  async #request(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<string> {
    let response: { status: number; body: string };
    try {
      response = await this.#client.request(method, path, body === undefined ? undefined : JSON.stringify(body), signal);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI at ${this.baseUrl} did not answer ${method} ${path}: ${reason}`, { path }, { cause: error });
    }
    if (response.status < 200 || response.status > 299) {
      throw new ComfyCarryError("comfyui_unreachable", `ComfyUI answered ${method} ${path} with HTTP ${response.status}`, { path, status: response.status });
    }
    return response.body;
  }
}
