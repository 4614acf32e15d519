/**
 * Manager's task queue. Legacy: tasks queue up through per-action routes, `queue/start` runs
 * them, each broadcasts `cm-queue-status` `in_progress` and the batch ends with `done`. v4:
 * tasks arrive through `queue/task`; each sends `cm-task-started` and `cm-task-completed` to
 * its client, and the worker broadcasts `all-done` after lingering idle (4 s by default).
 */
import { setTimeout as sleep } from "node:timers/promises";

import { simConsole } from "../log/logger.js";
import type { Dumpable } from "../py/format.js";
import type { SocketHub } from "../ws/hub.js";
import type { PackStore } from "./packs.js";
import type { Refusal } from "./security.js";

export type TaskKind = "install" | "uninstall" | "update" | "disable" | "enable" | "switch";

export interface ManagerTask {
  uiId: string;
  clientId: string | null;
  kind: TaskKind;
  /** Registry id, folder name or git URL. */
  target: string;
  version: string | null;
  params: Dumpable;
  /** A security check that runs inside the worker (v4 installs), or null. */
  gate: (() => Refusal) | null;
}

/** A finished task as `/v2/manager/queue/history` lists it (a type, so it fits `Dumpable`). */
export type HistoryItem = {
  ui_id: string;
  client_id: string | null;
  kind: string;
  timestamp: string;
  result: string;
  status: { status_str: string; completed: boolean; messages: string[] };
  params: Dumpable;
};

function pyTimestamp(): string {
  return new Date().toISOString().replace("Z", "000").replace(/\.(\d{3})000$/, ".$1000");
}

export class ManagerWorker {
  readonly pending: ManagerTask[] = [];
  running: ManagerTask | null = null;
  readonly history = new Map<string, HistoryItem>();
  processing = false;
  private doneCount = 0;
  private totalCount = 0;
  private batchResults = new Map<string, string>();

  constructor(
    private readonly flavour: "legacy" | "v4",
    private readonly packs: PackStore,
    private readonly hub: SocketHub,
    private readonly taskMs: number,
    private readonly idleMs: number,
  ) {}

  enqueue(task: ManagerTask): void {
    this.pending.push(task);
    this.totalCount += 1;
  }

  reset(): void {
    this.totalCount -= this.pending.length;
    this.pending.length = 0;
  }

  /** Starts the worker; false when it already runs (the routes answer 201 then). */
  start(): boolean {
    if (this.processing) {
      return false;
    }
    this.processing = true;
    void this.loop();
    return true;
  }

  status(): Record<string, Dumpable> {
    return {
      total_count: this.totalCount,
      done_count: this.doneCount,
      in_progress_count: this.running === null ? 0 : 1,
      ...(this.flavour === "v4" ? { pending_count: this.pending.length } : {}),
      is_processing: this.processing,
    };
  }

  private async loop(): Promise<void> {
    for (;;) {
      const task = this.pending.shift();
      if (task === undefined) {
        if (this.flavour === "v4") {
          await sleep(this.idleMs);
          if (this.pending.length > 0) {
            continue;
          }
        }
        break;
      }
      await this.runOne(task);
    }
    this.finishBatch();
  }

  private async runOne(task: ManagerTask): Promise<void> {
    this.running = task;
    if (this.flavour === "legacy") {
      this.hub.send("cm-queue-status", { status: "in_progress", target: task.uiId, ui_target: "nodepack_manager", total_count: this.totalCount, done_count: this.doneCount }, null);
    } else {
      this.hub.send("cm-task-started", { ui_id: task.uiId, kind: task.kind, timestamp: pyTimestamp(), state: this.state() }, task.clientId);
    }

    await sleep(this.taskMs);
    const result = await this.perform(task);
    this.running = null;
    this.doneCount += 1;
    this.batchResults.set(task.uiId, result.text);

    const status = { status_str: result.ok ? "success" : "error", completed: true, messages: result.ok ? [] : [result.text] };
    const v4Result = result.ok ? "success" : result.refused ? "failed" : result.text;
    this.history.set(task.uiId, { ui_id: task.uiId, client_id: task.clientId, kind: task.kind, timestamp: pyTimestamp(), result: v4Result, status, params: task.params });
    if (this.flavour === "v4") {
      this.hub.send("cm-task-completed", { ui_id: task.uiId, result: v4Result, kind: task.kind, status, timestamp: pyTimestamp(), state: this.state() }, task.clientId);
    }
  }

  private async perform(task: ManagerTask): Promise<{ ok: boolean; refused: boolean; text: string }> {
    const refusal = task.gate?.() ?? null;
    if (refusal !== null) {
      simConsole.error(refusal.log);
      return { ok: false, refused: true, text: refusal.log };
    }
    try {
      await this.apply(task);
      simConsole.info(`[ComfyUI-Manager] ${task.kind} '${task.target}' done`);
      return { ok: true, refused: false, text: "success" };
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error);
      const text = `An error occurred while ${task.kind === "switch" ? "switching the version of" : `${task.kind}ing`} '${task.target}': ${reason}`;
      simConsole.error(`[ComfyUI-Manager] ${text}`);
      return { ok: false, refused: false, text };
    }
  }

  private async apply(task: ManagerTask): Promise<void> {
    if (task.kind === "install") {
      const entry = this.packs.entryFor(task.target);
      const url = entry?.files[0] ?? task.target;
      const existing = await this.packs.find(entry?.id ?? url);
      if (existing !== null && task.version !== null) {
        await this.packs.switchVersion(existing.dir, task.version);
        return;
      }
      await this.packs.install(url, task.version === "latest" ? null : task.version);
      return;
    }
    const pack = await this.packs.find(task.target);
    if (pack === null) {
      throw new Error(`'${task.target}' is not installed`);
    }
    switch (task.kind) {
      case "uninstall":
        this.packs.uninstall(pack);
        return;
      case "update":
        await this.packs.update(pack);
        return;
      case "disable":
        this.packs.setEnabled(pack, false);
        return;
      case "enable":
        this.packs.setEnabled(pack, true);
        return;
      case "switch":
        await this.packs.switchVersion(pack.dir, task.version ?? "nightly");
        return;
    }
  }

  private finishBatch(): void {
    this.processing = false;
    if (this.flavour === "legacy") {
      this.hub.send("cm-queue-status", { status: "done", nodepack_result: Object.fromEntries(this.batchResults), model_result: {}, total_count: this.totalCount, done_count: this.doneCount }, null);
    } else {
      this.hub.send("cm-queue-status", { status: "all-done" }, null);
    }
    this.batchResults = new Map();
    this.totalCount = 0;
    this.doneCount = 0;
  }

  private state(): Dumpable {
    const item = (task: ManagerTask): Dumpable => ({ ui_id: task.uiId, client_id: task.clientId, kind: task.kind, params: task.params });
    return { history: {}, running_queue: this.running === null ? [] : [item(this.running)], pending_queue: this.pending.map(item), installed_packs: {} };
  }
}
