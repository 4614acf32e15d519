/** Starting, stopping and restarting ComfyUI under PM2 with the saved launch options. */
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

import { ComfyCarryError, serviceStatusSchema } from "@comfycarry/shared";
import type { ComfyuiProcessResult } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import type { LaunchPlanner } from "../launch/planner.js";
import type { LaunchStore } from "../launch/store.js";
import type { ControlSettings } from "../settings.js";
import { comfyuiPort } from "../settings.js";
import { freePort, portFreed } from "./orphan.js";
import type { Pm2Definition, Pm2Launcher, Pm2Process } from "./pm2-launcher.js";
import { answers, waitOnline } from "./readiness.js";

/** PM2 restarts during one wait that mean ComfyUI crashes on start instead of coming up. */
const CRASH_LOOP_RESTARTS = 3;

export interface ProcessControlOptions {
  settings: ControlSettings;
  pm2: Pm2Launcher;
  planner: LaunchPlanner;
  store: LaunchStore;
  log: Logger;
  /** Called before each start, e.g. to rotate the log. */
  beforeStart?: () => Promise<void>;
  /** Called once ComfyUI answers after a start by this class. */
  afterStart?: () => void;
  /** Hook called before and after each start, stop or restart, so the monitor can check often while ComfyUI changes state. */
  onChange?: () => void;
  /**
   * Hook called as soon as a stop or restart has stopped the running process. ComfyUI keeps
   * its queue in memory, so the running and pending prompts end with the process.
   */
  onStopped?: (action: "stopped" | "restarted") => void;
}

/** Hooks that a caller of ComfyUI control may set to follow process changes. */
export type ProcessHooks = Pick<ProcessControlOptions, "onChange" | "onStopped">;

/** Owns ComfyUI's PM2 definition; every start frees the port from an orphan first. */
export class ProcessControl {
  readonly #options: ProcessControlOptions;
  readonly #log: Logger;
  #busy: Promise<unknown> = Promise.resolve();

  constructor(options: ProcessControlOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: "comfyui-process" });
  }

  /** Returns the arguments ComfyUI runs with now, per PM2; empty when PM2 has no such process. */
  async runningArgs(): Promise<string[]> {
    return (await this.#describe())?.args ?? [];
  }

  async status(): Promise<ComfyuiProcessResult> {
    return this.#result(await this.#describe(), null, await answers(this.#options.settings.comfyuiUrl));
  }

  start(waitS: number, signal?: AbortSignal): Promise<ComfyuiProcessResult> {
    return this.#changing(async () => {
      const current = await this.#describe();
      // Online, launching or waiting out PM2's restart delay: PM2 already brings it up.
      if (current !== null && current.status !== "stopped" && current.status !== "errored") {
        return this.#afterStart(current, null, waitS, signal);
      }
      return this.#launch(current, null, waitS, signal);
    });
  }

  stop(): Promise<ComfyuiProcessResult> {
    return this.#changing(async () => {
      const current = await this.#describe();
      if (current !== null && current.status !== "stopped") {
        await this.#options.pm2.act("stop", current.pmId);
        this.#options.onStopped?.("stopped");
        this.#log.info({ pmId: current.pmId }, "ComfyUI stopped");
      }
      return this.#result(await this.#describe(), null, false);
    });
  }

  /** Stops ComfyUI, frees the port, and starts it with `args` (default: the saved options). */
  restart(waitS: number, signal?: AbortSignal, args?: string[]): Promise<ComfyuiProcessResult> {
    return this.#changing(async () => {
      const current = await this.#describe();
      if (current !== null && current.status !== "stopped") {
        await this.#options.pm2.act("stop", current.pmId);
        // Called before waiting for ComfyUI to come back, which can take up to `waitS` seconds.
        this.#options.onStopped?.("restarted");
        await portFreed(comfyuiPort(this.#options.settings), 10_000);
      }
      return this.#launch(current, args ?? null, waitS, signal);
    });
  }

  async #launch(current: Pm2Process | null, wanted: string[] | null, waitS: number, signal?: AbortSignal): Promise<ComfyuiProcessResult> {
    const { settings } = this.#options;
    const args = wanted ?? (await this.#options.planner.plan(await this.#options.store.load())).args;
    const orphan = await freePort({ port: comfyuiPort(settings), comfyuiDir: settings.comfyuiDir, ownPid: current?.pid ?? null, log: this.#log });
    await this.#options.beforeStart?.();

    const definition = this.#definition(args);
    if (current !== null && sameDefinition(current, definition)) {
      await this.#options.pm2.act("restart", current.pmId);
    } else {
      // PM2 keeps a process's arguments for its lifetime, so new arguments need a new process.
      if (current !== null) {
        await this.#options.pm2.act("delete", current.pmId);
      }
      await mkdir(dirname(definition.logFile), { recursive: true });
      await this.#options.pm2.start(definition);
    }
    this.#log.info({ args, orphanPid: orphan }, "ComfyUI started under PM2");

    const started = await this.#describe();
    if (started === null) {
      throw new ComfyCarryError("pm2_failed", `PM2 has no process "${settings.service}" right after starting it.`);
    }
    return this.#afterStart(started, orphan, waitS, signal);
  }

  async #afterStart(started: Pm2Process, orphan: number | null, waitS: number, signal?: AbortSignal): Promise<ComfyuiProcessResult> {
    if (waitS === 0) {
      return this.#result(started, orphan, false);
    }
    const outcome = await waitOnline(
      this.#options.settings.comfyuiUrl,
      waitS * 1000,
      async () => {
        const now = await this.#describe();
        if (now === null) {
          return "the PM2 process disappeared";
        }
        if (now.restarts - started.restarts >= CRASH_LOOP_RESTARTS || now.status === "errored") {
          return `ComfyUI keeps exiting during start-up (PM2 restarted it ${now.restarts - started.restarts} times); see the ComfyUI log`;
        }
        return null;
      },
      signal,
    );
    if (!outcome.online) {
      throw new ComfyCarryError("command_failed", `ComfyUI did not come online: ${outcome.reason}.`, { reason: outcome.reason });
    }
    this.#options.afterStart?.();
    return this.#result(await this.#describe(), orphan, true);
  }

  #definition(args: string[]): Pm2Definition {
    const { settings } = this.#options;
    return {
      name: settings.service,
      script: join(settings.comfyuiDir, "main.py"),
      interpreter: settings.python,
      cwd: settings.comfyuiDir,
      args,
      logFile: settings.logFile,
      // With this set, Manager's reboot exits with status 0 and PM2 starts ComfyUI again,
      // instead of Manager replacing the process behind PM2's back.
      env: { __COMFY_CLI_SESSION__: join(settings.stateDir, "manager-session") },
    };
  }

  #describe(): Promise<Pm2Process | null> {
    return this.#options.pm2.describe(this.#options.settings.service).catch((error: unknown) => {
      throw new ComfyCarryError("pm2_failed", `PM2 could not describe "${this.#options.settings.service}": ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
    });
  }

  #result(process: Pm2Process | null, orphan: number | null, online: boolean): ComfyuiProcessResult {
    // A service PM2 does not know is reported as stopped: start creates it.
    const status = process === null ? "stopped" : (serviceStatusSchema.safeParse(process.status).data ?? "unknown");
    return {
      status,
      pid: process?.pid ?? null,
      restarts: process?.restarts ?? 0,
      online,
      orphan_pid: orphan,
    };
  }

  /** Runs a start, stop or restart in turn, with `onChange` before and after it. */
  #changing<T>(action: () => Promise<T>): Promise<T> {
    return this.#serial(async () => {
      this.#options.onChange?.();
      try {
        return await action();
      } finally {
        this.#options.onChange?.();
      }
    });
  }

  /** Runs process actions one at a time, so a restart never overlaps a start. */
  #serial<T>(action: () => Promise<T>): Promise<T> {
    const next = this.#busy.then(action, action);
    this.#busy = next.catch(() => undefined);
    return next;
  }
}

function sameDefinition(current: Pm2Process, wanted: Pm2Definition): boolean {
  return current.script === wanted.script && current.interpreter === wanted.interpreter && current.logFile === wanted.logFile && JSON.stringify(current.args) === JSON.stringify(wanted.args);
}
