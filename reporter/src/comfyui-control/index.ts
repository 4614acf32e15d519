/** @module ComfyUI control: launch options, process, version, logs, lost prompts and custom nodes. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import type { ProtocolEvent } from "@comfycarry/shared";

import type { Queue } from "../comfyui/schemas.js";
import type { Logger } from "../log/logger.js";
import { LaunchPlanner } from "./launch/planner.js";
import { LaunchService } from "./launch/service.js";
import { LaunchStore } from "./launch/store.js";
import { LogService } from "./logs/service.js";
import { NodesService } from "./nodes/service.js";
import { PromptJournal } from "./prompts/journal.js";
import { ProcessControl } from "./process/control.js";
import type { ProcessHooks } from "./process/control.js";
import { Pm2Launcher } from "./process/pm2-launcher.js";
import type { ControlConfigSource, ControlSettings } from "./settings.js";
import { controlSettings } from "./settings.js";
import { switchVersion } from "./version/switch.js";
import type { SwitchResult, VersionDeps } from "./version/switch.js";

export { createComfyuiControlHandlers, unavailableComfyuiControl } from "./handlers.js";
export type { ComfyuiControlHandlers } from "./handlers.js";

export interface ComfyuiControlOptions {
  config: ControlConfigSource;
  log: Logger;
  /** Sends a protocol event to the edge (log lines). */
  emit: (event: ProtocolEvent) => void;
  /** PM2's state folder; PM2_HOME or ~/.pm2 when absent. */
  pm2Home?: string;
  env?: Record<string, string | undefined>;
  /** Hooks called on every start, stop and restart, including those of a version switch or a launch-option change. */
  processHooks?: ProcessHooks;
}

/** Every part of the feature, built once by app.ts. */
export class ComfyuiControl {
  readonly settings: ControlSettings;
  readonly pm2: Pm2Launcher;
  readonly launch: LaunchService;
  readonly process: ProcessControl;
  readonly logs: LogService;
  readonly nodes: NodesService;
  readonly prompts: PromptJournal;
  readonly #version: VersionDeps;

  constructor(options: ComfyuiControlOptions) {
    const log = options.log.child({ component: "comfyui-control" });
    this.settings = controlSettings(options.config, options.env);
    mkdirSync(join(this.settings.stateDir, "logs"), { recursive: true, mode: 0o700 });

    this.pm2 = new Pm2Launcher(options.pm2Home ?? process.env["PM2_HOME"]);
    this.logs = new LogService({
      path: this.settings.logFile,
      maxBytes: this.settings.logMaxBytes,
      keep: this.settings.logKeep,
      reopen: () => this.pm2.reloadLogs(),
      emit: options.emit,
      log,
    });
    this.nodes = new NodesService(this.settings, log);
    this.prompts = new PromptJournal(join(this.settings.stateDir, "prompts.sqlite"), this.settings.comfyuiUrl, log);
    const planner = new LaunchPlanner(this.settings);
    const store = new LaunchStore(join(this.settings.stateDir, "launch.json"), log);
    this.process = new ProcessControl({ settings: this.settings, pm2: this.pm2, planner, store, log, beforeStart: () => this.logs.rotate(), afterStart: () => this.nodes.started(), ...options.processHooks });
    this.launch = new LaunchService(planner, store, this.process, log);
    this.#version = { settings: this.settings, process: this.process, planner, store, log };
  }

  /** Switches the checkout to `tag` and restarts; rolls back when it does not come online. */
  switchVersion(tag: string, waitS: number, signal?: AbortSignal): Promise<SwitchResult> {
    return switchVersion(this.#version, tag, waitS, signal);
  }

  start(): void {
    this.logs.start();
    this.prompts.start();
  }

  /** Passes the ComfyUI bridge's events to the prompt journal, which settles prompts when they end. */
  observe(event: ProtocolEvent): void {
    this.prompts.observe(event);
  }

  /** Passes the ComfyUI bridge's /queue reads to the prompt journal, which records the queued prompts. */
  observeQueue(queue: Queue): void {
    this.prompts.recordQueue(queue);
  }

  async stop(): Promise<void> {
    this.logs.stop();
    this.nodes.stop();
    this.prompts.stop();
    await this.pm2.close();
  }
}
