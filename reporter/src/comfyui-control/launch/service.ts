/** The launch-option commands: read, check and apply, each refusing bad options before any restart. */
import type { ComfyuiProcessResult, LaunchOptions } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import type { ProcessControl } from "../process/control.js";
import type { LaunchPlan, LaunchPlanner } from "./planner.js";
import type { LaunchStore } from "./store.js";

export class LaunchService {
  constructor(
    readonly planner: LaunchPlanner,
    readonly store: LaunchStore,
    readonly process: ProcessControl,
    readonly log: Logger,
  ) {}

  async get(): Promise<{ options: LaunchOptions } & LaunchPlan> {
    const options = await this.store.load();
    return { options, ...(await this.planner.plan(options)) };
  }

  check(options: LaunchOptions): Promise<LaunchPlan> {
    return this.planner.plan(options);
  }

  /** Checks, saves, then (when asked) restarts ComfyUI with exactly the planned arguments. */
  async set(options: LaunchOptions, restart: boolean, waitS: number, signal?: AbortSignal): Promise<LaunchPlan & { process: ComfyuiProcessResult | null }> {
    const plan = await this.planner.plan(options);
    await this.store.save(options);
    this.log.info({ args: plan.args, restart }, "launch options saved");
    if (!restart) {
      return { ...plan, process: null };
    }
    return { ...plan, process: await this.process.restart(waitS, signal, plan.args) };
  }

  /** Returns whether the saved options differ from what ComfyUI runs with, so a restart would change something. */
  async restartNeeded(): Promise<boolean> {
    const running = await this.process.runningArgs();
    if (running.length === 0) {
      return false;
    }
    try {
      const plan = await this.planner.plan(await this.store.load());
      return JSON.stringify(plan.args) !== JSON.stringify(running);
    } catch {
      return false;
    }
  }
}
