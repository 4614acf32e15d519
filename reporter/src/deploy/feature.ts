/** @module The deploy engine as the reporter runs it: settings, sync adapter, engine and command handlers. */
import type { Gpu, ProtocolEvent } from "@comfycarry/shared";

import type { ComfyuiControl } from "../comfyui-control/index.js";
import type { Logger } from "../log/logger.js";
import type { SyncService } from "../sync/service/sync-service.js";
import type { DeployDeps, ModelToQueue } from "./context.js";
import { DeployEngine } from "./engine.js";
import { createDeployHandlers } from "./handlers.js";
import type { DeployHandlers } from "./handlers.js";
import { deploySettings } from "./settings.js";
import type { DeployConfigSource } from "./settings.js";
import { syncPortFrom } from "./sync-adapter.js";

export { unavailableDeployHandlers } from "./handlers.js";
export type { DeployHandlers } from "./handlers.js";
export type { ModelToQueue } from "./context.js";

export interface DeployFeatureOptions {
  config: DeployConfigSource;
  control: ComfyuiControl;
  /** Null when cloud sync is off; presets and restores then fail with a clear error. */
  sync: SyncService | null;
  rcloneBinary: string;
  gpus: () => Gpu[];
  tokens: () => { civitai: boolean; huggingface: boolean };
  /** Downloads the restored workflows need; the workflow-manifest feature fills it. Default: none. */
  modelsToQueue?: () => Promise<ModelToQueue[]>;
  queueModel?: (model: ModelToQueue) => Promise<void>;
  emit: (event: ProtocolEvent) => void;
  log: Logger;
}

export interface DeployFeature {
  engine: DeployEngine;
  handlers: DeployHandlers;
  close(): Promise<void>;
}

/** Builds the engine; a failure (state folder not writable) leaves the reporter running without deploys. */
export function startDeployOrNull(options: DeployFeatureOptions): DeployFeature | null {
  try {
    const settings = deploySettings(options.config);
    const deps: DeployDeps = {
      control: options.control,
      sync: options.sync === null ? null : syncPortFrom({ service: options.sync, rcloneBinary: options.rcloneBinary, workspaceDir: options.config.workspaceDir, log: options.log }),
      gpus: options.gpus,
      tokens: options.tokens,
      modelsToQueue: options.modelsToQueue ?? (() => Promise.resolve([])),
      ...(options.queueModel === undefined ? {} : { queueModel: options.queueModel }),
    };
    const engine = new DeployEngine({ settings, deps, log: options.log, emit: options.emit });
    return { engine, handlers: createDeployHandlers(engine, settings, deps), close: () => engine.close() };
  } catch (error) {
    options.log.error({ err: error }, "the deploy engine could not start; the setup wizard cannot deploy");
    return null;
  }
}
