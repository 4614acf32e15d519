/**
 * Per-row progress of Manager tasks, read from Manager's WebSocket messages on a socket of
 * our own: legacy broadcasts `cm-queue-status` (`in_progress` per task, `done` with each
 * task's result); v4 sends `cm-task-started` and `cm-task-completed` to the queuing client.
 */
import { randomUUID } from "node:crypto";

import type { NodeTask } from "@comfycarry/shared";
import { parseFrame } from "@comfycarry/shared";
import WebSocket from "ws";
import { z } from "zod";

import type { Logger } from "../../log/logger.js";
import { SECURITY_REJECTION } from "./refusals.js";

const frameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("cm-queue-status"),
    data: z.looseObject({ status: z.string(), target: z.string().optional(), nodepack_result: z.record(z.string(), z.string()).optional() }),
  }),
  z.object({ type: z.literal("cm-task-started"), data: z.looseObject({ ui_id: z.string() }) }),
  z.object({
    type: z.literal("cm-task-completed"),
    data: z.looseObject({ ui_id: z.string(), result: z.string(), status: z.looseObject({ status_str: z.string(), messages: z.array(z.string()).default([]) }).optional() }),
  }),
]);

/** Tasks kept for the page after they end. */
const KEEP_FINISHED = 50;

export class NodeTasks {
  readonly #baseUrl: string;
  readonly #log: Logger;
  readonly #onSuccess: () => void;
  readonly #tasks = new Map<string, NodeTask>();
  #socket: WebSocket | null = null;
  #clientId = "";

  constructor(baseUrl: string, log: Logger, onSuccess: () => void) {
    this.#baseUrl = baseUrl;
    this.#log = log;
    this.#onSuccess = onSuccess;
  }

  /** Opens our socket to ComfyUI if needed and returns its client id, which v4 tasks must carry. */
  async connect(): Promise<string> {
    if (this.#socket !== null && this.#socket.readyState === WebSocket.OPEN) {
      return this.#clientId;
    }
    this.#clientId = randomUUID().replaceAll("-", "");
    const url = `${this.#baseUrl.replace(/^http/, "ws")}/ws?clientId=${this.#clientId}`;
    const socket = new WebSocket(url);
    this.#socket = socket;
    socket.on("message", (data, isBinary) => {
      if (!isBinary) {
        this.#onFrame(Buffer.isBuffer(data) ? data.toString("utf8") : String(data));
      }
    });
    socket.on("close", () => {
      if (this.#socket === socket) {
        this.#socket = null;
      }
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return this.#clientId;
  }

  add(uiId: string, action: string, target: string): void {
    this.#tasks.set(uiId, { ui_id: uiId, action, target, state: "queued", message: null });
    this.#prune();
  }

  /** Marks a task that Manager handled at once (legacy enable) or that failed before queuing. */
  finish(uiId: string, ok: boolean, message: string | null): void {
    const task = this.#tasks.get(uiId);
    if (task !== undefined) {
      this.#tasks.set(uiId, { ...task, state: ok ? "done" : "failed", message });
      if (ok) {
        this.#onSuccess();
      }
    }
  }

  list(): NodeTask[] {
    return [...this.#tasks.values()];
  }

  get busy(): boolean {
    return this.list().some((task) => task.state === "queued" || task.state === "running");
  }

  close(): void {
    this.#socket?.close();
    this.#socket = null;
  }

  #onFrame(text: string): void {
    if (!text.includes('"cm-')) {
      return;
    }
    const parsed = parseFrame(frameSchema, text);
    if (!parsed.ok) {
      this.#log.debug({ issues: parsed.issues }, "Manager message without the expected fields, ignored");
      return;
    }
    const frame = parsed.value;
    if (frame.type === "cm-task-started") {
      this.#running(frame.data.ui_id);
    } else if (frame.type === "cm-task-completed") {
      const ok = frame.data.result === "success" || frame.data.result === "skip";
      const message = ok ? null : frame.data.result === "failed" ? SECURITY_REJECTION : (frame.data.status?.messages.at(-1) ?? frame.data.result);
      this.finish(frame.data.ui_id, ok, message);
    } else if (frame.data.status === "in_progress" && frame.data.target !== undefined) {
      this.#running(frame.data.target);
    } else if (frame.data.status === "done") {
      for (const [uiId, result] of Object.entries(frame.data.nodepack_result ?? {})) {
        this.finish(uiId, result === "success" || result === "skip", result === "success" || result === "skip" ? null : result);
      }
    }
  }

  #running(uiId: string): void {
    const task = this.#tasks.get(uiId);
    if (task !== undefined && task.state === "queued") {
      this.#tasks.set(uiId, { ...task, state: "running" });
    }
  }

  #prune(): void {
    const finished = this.list().filter((task) => task.state === "done" || task.state === "failed");
    for (const task of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) {
      this.#tasks.delete(task.ui_id);
    }
  }
}
