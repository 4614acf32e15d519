/** @module Workflows: manifests, the Workflows page commands, the install action and the on-demand prompt gate. */
import { resolve } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import type { DownloadJob, ProtocolEvent } from "@comfycarry/shared";

import type { ComfyuiControl } from "../comfyui-control/index.js";
import type { DownloadEngine } from "../downloads/engine.js";
import type { Logger } from "../log/logger.js";
import type { SyncService } from "../sync/service/sync-service.js";
import type { ModelToQueue } from "../deploy/context.js";
import { modelsToQueueFrom, queueModelWith } from "./deploy-hook.js";
import { createWorkflowsHandlers } from "./handlers.js";
import type { PolicyChanged, SubmitPrompt, WorkflowsHandlers } from "./handlers.js";
import { WorkflowHashCheck } from "./hash-check.js";
import type { InstallerDeps } from "./installer.js";
import { PromptGate } from "./on-demand/gate.js";
import type { GateOutcome } from "./on-demand/gate.js";
import { firstOf, remotePuller, sourcePuller } from "./on-demand/pullers.js";
import type { ModelsRemote, QueueAccess } from "./on-demand/pullers.js";
import { WorkflowsService } from "./service.js";
import { plainFetch } from "../http/plain-fetch.js";

export interface WorkflowsFeatureOptions {
  comfyuiDir: string;
  comfyuiUrl: string;
  stateDir: string;
  nodeMapFile: string | null;
  control: Pick<ComfyuiControl, "nodes" | "process" | "settings">;
  /** The download queue; null when aria2 could not start. */
  engine: DownloadEngine | null;
  /** Location of the remote copy the models sync rule keeps; null without such a rule. */
  modelsRemote: () => Promise<ModelsRemote | null>;
  /** Rewrites the models restore rule after a pull policy change; absent when sync is off. */
  policyChanged?: PolicyChanged;
  emit: (event: ProtocolEvent) => void;
  log: Logger;
}

function queueAccess(engine: DownloadEngine | null): QueueAccess | null {
  if (engine === null) {
    return null;
  }
  return {
    add: (request) => engine.add(request),
    watch: (listener: (job: DownloadJob) => void) => {
      engine.on("job", listener);
      return () => engine.off("job", listener);
    },
  };
}

export class WorkflowsFeature {
  readonly handlers: WorkflowsHandlers;

  private constructor(
    readonly service: WorkflowsService,
    readonly gate: PromptGate,
    handlers: WorkflowsHandlers,
    private readonly engine: DownloadEngine | null,
    private readonly unwatch: () => void,
  ) {
    this.handlers = handlers;
  }

  /** The deploy engine's models step hooks: which models a restore queues, and how. */
  deployHooks(): { modelsToQueue: () => Promise<ModelToQueue[]>; queueModel?: (model: ModelToQueue) => Promise<void> } {
    const modelsToQueue = modelsToQueueFrom(this.service);
    return this.engine === null ? { modelsToQueue } : { modelsToQueue, queueModel: queueModelWith(this.engine) };
  }

  static async start(options: WorkflowsFeatureOptions): Promise<WorkflowsFeature> {
    const { control, engine, log } = options;
    const service = await WorkflowsService.open({
      comfyuiDir: options.comfyuiDir,
      comfyuiUrl: options.comfyuiUrl,
      stateDir: options.stateDir,
      nodeMapFile: options.nodeMapFile,
      installedPacks: () => control.nodes.packs.list(),
      log,
    });
    const hashes = new WorkflowHashCheck(service.modelsDir, service.log);
    const onJob = (job: DownloadJob): void => void hashes.onJob(job)?.catch((error: unknown) => service.log.error({ err: error, job: job.id }, "hash check of a downloaded model failed"));
    engine?.on("job", onJob);

    const gate = new PromptGate({
      service,
      comfyuiUrl: options.comfyuiUrl,
      pull: firstOf([remotePuller(service.modelsDir, options.modelsRemote, service.log), sourcePuller(queueAccess(engine))]),
      emit: options.emit,
      log: service.log,
    });

    const submit: SubmitPrompt = async ({ prompt, client_id: clientId, extra_data: extraData }) => {
      const body = { prompt, ...(clientId === undefined ? {} : { client_id: clientId }), ...(extraData === undefined ? {} : { extra_data: extraData }) };
      const outcome = await gate.gatePrompt(body);
      if (outcome.kind === "held") {
        return { prompt_id: outcome.promptId, held: true, models: outcome.models };
      }
      return { prompt_id: await submitDirect(options.comfyuiUrl, body), held: false, models: [] };
    };
    const installer: InstallerDeps = {
      service,
      addDownload: engine === null ? null : (request) => engine.add(request),
      installGit: (url) => control.nodes.installGit(url),
      installById: (id) => control.nodes.action("install", id, undefined),
      restart: () => control.process.restart(control.settings.startTimeoutS),
      expectHash: (jobId, sha256) => hashes.expect(jobId, sha256),
      log: service.log,
    };
    const handlers = createWorkflowsHandlers(service, installer, submit, options.policyChanged ?? (() => Promise.resolve(false)));

    return new WorkflowsFeature(service, gate, handlers, engine, () => engine?.off("job", onJob));
  }

  /** Checks one `POST /prompt` body; the access proxy calls this for every prompt it forwards. */
  gatePrompt(body: unknown): Promise<GateOutcome> {
    return this.gate.gatePrompt(body);
  }

  stop(): void {
    this.gate.stop();
    this.unwatch();
  }
}

async function submitDirect(comfyuiUrl: string, body: object): Promise<string> {
  const response = await plainFetch(`${comfyuiUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new ComfyCarryError("command_failed", `ComfyUI rejected the prompt: HTTP ${response.status} ${text.slice(0, 500)}`, { status: response.status });
  }
  const parsed: unknown = JSON.parse(text);
  const promptId = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["prompt_id"] : undefined;
  if (typeof promptId !== "string") {
    throw new ComfyCarryError("comfyui_unreachable", "ComfyUI accepted the prompt but returned no prompt_id");
  }
  return promptId;
}

/**
 * Finds the sync rule that pulls `<ComfyUI>/models` from a remote (the `models` preset), so
 * on-demand pulls read the same copy a restore would.
 */
export function modelsRemoteFromSync(sync: SyncService, workspaceDir: string, comfyuiDir: string, rcloneBinary: string): () => Promise<ModelsRemote | null> {
  const modelsDir = resolve(comfyuiDir, "models");
  return () => {
    let rules;
    try {
      rules = sync.engine().listRules();
    } catch {
      return Promise.resolve(null);
    }
    const rule = rules.find((candidate) => candidate.direction !== "push" && resolve(workspaceDir, candidate.local_path) === modelsDir);
    if (rule === undefined) {
      return Promise.resolve(null);
    }
    return Promise.resolve({ environment: { binary: rcloneBinary, configPath: sync.confPath }, remote: rule.remote, remotePath: rule.remote_path });
  };
}


/** The part of cloud sync the restore-filter update uses. */
export type RestoreRules = Pick<SyncService, "engine">;

/** Matches the excludes this feature writes: one top-level model folder. */
const FOLDER_EXCLUDE = /^\/[a-z0-9_]+\/\*\*$/;

/**
 * Returns a function that rewrites the models restore rule's excludes to the folders a restore
 * leaves out, after the pull policy changed. Other excludes the user wrote are kept.
 */
export function restoreFilterUpdater(sync: RestoreRules, workspaceDir: string, comfyuiDir: string, log: Logger): (excluded: string[]) => Promise<boolean> {
  const modelsDir = resolve(comfyuiDir, "models");
  return async (excluded) => {
    let engine;
    try {
      engine = sync.engine();
    } catch {
      return false;
    }
    const rule = engine.listRules().find((candidate) => candidate.direction === "pull" && candidate.trigger.type === "on_deploy" && resolve(workspaceDir, candidate.local_path) === modelsDir);
    if (rule === undefined) {
      return false;
    }
    const exclude = [...rule.filters.exclude.filter((pattern) => !FOLDER_EXCLUDE.test(pattern)), ...excluded.map((folder) => `/${folder}/**`)];
    await engine.updateRule(rule.id, { filters: { include: rule.filters.include, exclude } });
    log.info({ ruleId: rule.id, excluded }, "models restore rule now leaves out the on-demand and never folders");
    return true;
  };
}

export interface StartWorkflowsInput {
  config: { comfyuiDir: string; comfyuiUrl: string; stateDir: string; workspaceDir: string };
  control: WorkflowsFeatureOptions["control"];
  engine: DownloadEngine | null;
  sync: SyncService;
  rcloneBinary: string;
  emit: (event: ProtocolEvent) => void;
  log: Logger;
  env?: Record<string, string | undefined>;
}

/**
 * Starts the feature for app.ts; a failure is logged and leaves the reporter running without it.
 * `COMFYCARRY_NODE_MAP_FILE` names an extension-node-map.json for when ComfyUI-Manager is not serving its map.
 */
export async function startWorkflowsOrNull(input: StartWorkflowsInput): Promise<WorkflowsFeature | null> {
  const nodeMapFile = (input.env ?? process.env)["COMFYCARRY_NODE_MAP_FILE"];
  try {
    return await WorkflowsFeature.start({
      comfyuiDir: input.config.comfyuiDir,
      comfyuiUrl: input.config.comfyuiUrl.replace(/\/+$/, ""),
      stateDir: input.config.stateDir,
      nodeMapFile: nodeMapFile === undefined || nodeMapFile === "" ? null : nodeMapFile,
      control: input.control,
      engine: input.engine,
      modelsRemote: modelsRemoteFromSync(input.sync, input.config.workspaceDir, input.config.comfyuiDir, input.rcloneBinary),
      policyChanged: restoreFilterUpdater(input.sync, input.config.workspaceDir, input.config.comfyuiDir, input.log),
      emit: input.emit,
      log: input.log,
    });
  } catch (error) {
    input.log.error({ err: error }, "the workflows feature could not start; the Workflows page is unavailable");
    return null;
  }
}
