/** The context of a deploy step: the request, folders, a step log, child processes and the reporter parts it drives. */
import type { DeployRequest, DeployStepId, Gpu } from "@comfycarry/shared";

import type { ComfyuiControl } from "../comfyui-control/index.js";
import type { Logger } from "../log/logger.js";
import type { ChildResult } from "./children.js";
import type { DeploySettings } from "./settings.js";
import type { DeployStore } from "./store.js";
import type { DeploySyncPort } from "./sync-port.js";

/** A download the models step queues; filled by the workflow-manifest feature. */
export interface ModelToQueue {
  url: string;
  folder: string;
  file_name: string | null;
}

/** The reporter parts the engine drives; tests and the standalone runner pass their own. */
export interface DeployDeps {
  /** ComfyUI control: launch options, PM2 process and log file. */
  control: Pick<ComfyuiControl, "settings" | "launch" | "process">;
  /** Cloud sync for presets and the restore step; null when sync is off. */
  sync: DeploySyncPort | null;
  /** The GPUs as the reporter last sampled them; empty when none is visible. */
  gpus: () => Gpu[];
  /** Downloads the workflows' manifests need; the models step queues them. */
  modelsToQueue: () => Promise<ModelToQueue[]>;
  /** Queues one download; absent when the reporter runs without the download queue. */
  queueModel?: (model: ModelToQueue) => Promise<void>;
  /** The download tokens the reporter has set, for preflight. */
  tokens: () => { civitai: boolean; huggingface: boolean };
}

/** An error that fails a step, with a stable code and a message naming the value at fault and the fix. */
export class DeployStepError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "DeployStepError";
    this.code = code;
  }
}

export interface StepContext {
  stepId: DeployStepId;
  request: DeployRequest;
  settings: DeploySettings;
  deps: DeployDeps;
  store: DeployStore;
  log: Logger;
  signal: AbortSignal;
  /** Appends a line to the step's log (shown in the wizard). */
  line: (text: string) => void;
  /** Runs a child process (never a shell), its output going to the step log. */
  run: (file: string, args: readonly string[], cwd: string, env?: Record<string, string>) => Promise<ChildResult>;
  /** The recorded outcome of an earlier step of this or a previous run. */
  outcome: (stepId: DeployStepId) => unknown;
}

/** One step: what decides whether it runs again, and the work itself. */
export interface DeployStepDefinition {
  id: DeployStepId;
  /**
   * `check` steps (preflight, packages, start, ready) run every time and change nothing a
   * later step depends on. `change` steps are skipped while their inputs and outcome still hold.
   */
  kind: "check" | "change";
  /** JSON inputs; a change step whose inputs equal those of its last success is skipped. */
  inputs: (context: StepContext) => Promise<unknown>;
  /** Whether the recorded outcome still holds on disk; a change step re-runs when it does not. */
  stillValid?: (context: StepContext, outcome: unknown) => Promise<boolean>;
  /** Does the work and returns the outcome to record (JSON, without times or pids). */
  run: (context: StepContext) => Promise<unknown>;
}

/** Returns how a child ended, for error messages. */
export function describeExit(result: ChildResult): string {
  if (result.signal !== null) {
    return `was killed by ${result.signal}`;
  }
  return result.exitCode === null ? "could not start" : `exited with status ${result.exitCode}`;
}
