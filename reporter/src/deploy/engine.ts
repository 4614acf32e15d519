/**
 * The deploy engine: runs the steps in order, one deploy at a time, recording each step's
 * inputs and outcome in SQLite. A change step whose inputs and outcome still hold is
 * skipped; once one runs, every later step runs too, because it builds on what changed.
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError, DEPLOY_STEP_IDS, toUtcTimestamp } from "@comfycarry/shared";
import type { DeployRequest, DeployRun, DeploySection, DeployStep, DeployStepId, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { endSurvivors, runChild } from "./children.js";
import type { DeployDeps, DeployStepDefinition, StepContext } from "./context.js";
import { DeployStepError } from "./context.js";
import type { DeploySettings } from "./settings.js";
import { StepLog } from "./step-log.js";
import { DEPLOY_STEPS } from "./steps/index.js";
import { DeployStore } from "./store.js";

export interface DeployEngineOptions {
  settings: DeploySettings;
  deps: DeployDeps;
  log: Logger;
  emit: (event: ProtocolEvent) => void;
  /** Step definitions; tests pass a subset or wrapped steps. */
  steps?: readonly DeployStepDefinition[];
}

interface ActiveRun {
  id: string;
  abort: AbortController;
  done: Promise<void>;
  currentStep: DeployStepId | null;
}

export class DeployEngine {
  readonly store: DeployStore;
  readonly #options: DeployEngineOptions;
  readonly #log: Logger;
  readonly #steps: readonly DeployStepDefinition[];
  #active: ActiveRun | null = null;
  #starting = false;

  constructor(options: DeployEngineOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: "deploy" });
    this.#steps = options.steps ?? DEPLOY_STEPS;
    mkdirSync(options.settings.stateDir, { recursive: true, mode: 0o700 });
    this.store = new DeployStore(join(options.settings.stateDir, "deploy.sqlite"));
    const interrupted = this.store.closeInterrupted();
    if (interrupted.length > 0) {
      this.#log.warn({ deployIds: interrupted }, "deploys cut off by the previous reporter stop were marked interrupted");
    }
  }

  get stepIds(): DeployStepId[] {
    return this.#steps.map((step) => step.id);
  }

  get runningId(): string | null {
    return this.#active?.id ?? null;
  }

  /**
   * Starts a deploy in the background and returns its id once the steps to skip are known.
   * A second request while one runs fails with `deploy_already_running`.
   */
  async start(request: DeployRequest): Promise<{ deploy_id: string; skipped: DeployStepId[] }> {
    if (this.#active !== null || this.#starting) {
      const running = this.#active?.id ?? "starting";
      throw new ComfyCarryError("deploy_already_running", `deploy ${running} is running; wait for it to finish or watch its progress`, { deploy_id: running });
    }
    this.#starting = true;
    try {
      await mkdir(this.#options.settings.workspaceDir, { recursive: true });
      const ended = await endSurvivors(this.store, this.#log);
      if (ended.length > 0) {
        this.#log.info({ pids: ended }, "children of an interrupted deploy were ended");
      }

      const id = randomUUID();
      const abort = new AbortController();
      const steps = this.#steps.map((step): DeployStep => ({ id: step.id, state: "pending", started_at: null, finished_at: null, duration_ms: null, log: [], error: null }));
      this.store.createRun(id, request, steps);
      const log = this.#log.child({ deployId: id });
      const stepLog = new StepLog(id, this.#options.emit);
      const decision = await this.#decide(request, id, stepLog, abort.signal, log).catch((error: unknown) => {
        this.store.finishRun(id, "failed");
        throw error instanceof ComfyCarryError ? error : new ComfyCarryError("deploy_failed", `the deploy could not start: ${message(error)}`, { reason: "decide_failed" });
      });

      const active: ActiveRun = { id, abort, currentStep: null, done: Promise.resolve() };
      active.done = this.#execute(active, request, steps, decision.firstToRun, stepLog, log);
      this.#active = active;
      log.info({ mode: request.mode, skipped: decision.skipped }, "deploy started");
      return { deploy_id: id, skipped: decision.skipped };
    } finally {
      this.#starting = false;
    }
  }

  /** Runs the request of a failed or interrupted deploy again; steps that still hold are skipped. */
  async retry(deployId: string): Promise<{ deploy_id: string; skipped: DeployStepId[] }> {
    const run = this.store.run(deployId);
    if (run === null) {
      throw new ComfyCarryError("not_found", `no deploy with id ${deployId}`, { deploy_id: deployId });
    }
    if (run.state === "running" || run.state === "succeeded") {
      throw new ComfyCarryError("invalid_arguments", `deploy ${deployId} is ${run.state}; only a failed or interrupted deploy can be retried`, { deploy_id: deployId, state: run.state });
    }
    return this.start(run.request);
  }

  status(deployId?: string): { deployed: boolean; deploy: DeployRun | null } {
    const deploy = deployId === undefined ? this.store.latestRun() : this.store.run(deployId);
    if (deployId !== undefined && deploy === null) {
      throw new ComfyCarryError("not_found", `no deploy with id ${deployId}`, { deploy_id: deployId });
    }
    return { deployed: this.store.everSucceeded(), deploy };
  }

  /** Builds the overview's deploy section. */
  section(): DeploySection {
    const latest = this.store.latestRun();
    return {
      available: true,
      deployed: this.store.everSucceeded(),
      state: latest === null ? "never" : latest.state,
      deploy_id: latest?.id ?? null,
      current_step: this.#active?.currentStep ?? null,
      finished_at: latest?.finished_at ?? null,
    };
  }

  /** Resolves when the running deploy (if any) has ended. */
  async idle(): Promise<void> {
    await this.#active?.done;
  }

  /** Stops a running deploy (its children get SIGTERM) and closes the store. */
  async close(): Promise<void> {
    this.#active?.abort.abort();
    await this.#active?.done;
    this.store.close();
  }

  /** Finds the first change step that must run; change steps before it are skipped. */
  async #decide(request: DeployRequest, id: string, stepLog: StepLog, signal: AbortSignal, log: Logger): Promise<{ firstToRun: number; skipped: DeployStepId[] }> {
    const skipped: DeployStepId[] = [];
    for (const [index, step] of this.#steps.entries()) {
      if (step.kind === "check") {
        continue;
      }
      const context = this.#context(step.id, request, id, stepLog, signal, log);
      const recorded = this.store.result(step.id);
      const hash = inputsHash(await step.inputs(context));
      const holds = recorded !== null && recorded.inputsHash === hash && (step.stillValid === undefined || (await step.stillValid(context, recorded.outcome)));
      if (!holds) {
        return { firstToRun: index, skipped };
      }
      skipped.push(step.id);
    }
    return { firstToRun: this.#steps.length, skipped };
  }

  async #execute(active: ActiveRun, request: DeployRequest, steps: DeployStep[], firstToRun: number, stepLog: StepLog, log: Logger): Promise<void> {
    let failed = false;
    for (const [index, definition] of this.#steps.entries()) {
      const step = steps[index];
      if (step === undefined) {
        continue;
      }
      if (definition.kind === "change" && index < firstToRun) {
        this.#update(active.id, { ...step, state: "skipped" }, steps, index);
        continue;
      }
      active.currentStep = definition.id;
      failed = !(await this.#runStep(active, definition, request, steps, index, stepLog, log));
      if (failed) {
        break;
      }
    }

    active.currentStep = null;
    const state = active.abort.signal.aborted ? "interrupted" : failed ? "failed" : "succeeded";
    stepLog.flush();
    this.store.finishRun(active.id, state);
    this.#active = null;
    log.info({ state }, "deploy finished");
    this.#options.emit({ kind: "deploy.finished", at: toUtcTimestamp(), deploy_id: active.id, state, node_issues: this.store.nodeIssues() });
  }

  /** Runs one step and records it; returns whether it succeeded. */
  async #runStep(active: ActiveRun, definition: DeployStepDefinition, request: DeployRequest, steps: DeployStep[], index: number, stepLog: StepLog, log: Logger): Promise<boolean> {
    const startedAt = Date.now();
    const base = steps[index];
    if (base === undefined) {
      return false;
    }
    this.#update(active.id, { ...base, state: "running", started_at: toUtcTimestamp(new Date(startedAt)) }, steps, index);
    const context = this.#context(definition.id, request, active.id, stepLog, active.abort.signal, log);
    const finish = (patch: Partial<DeployStep>): void => {
      stepLog.flush();
      const current = steps[index] ?? base;
      this.#update(active.id, { ...current, finished_at: toUtcTimestamp(), duration_ms: Date.now() - startedAt, log: stepLog.lines(definition.id), ...patch }, steps, index);
    };

    try {
      if (definition.kind === "change") {
        // The old result goes first: a kill during the step must not leave it looking done.
        this.store.forgetResult(definition.id);
      }
      const inputs = await definition.inputs(context);
      const outcome = await definition.run(context);
      if (definition.kind === "change") {
        this.store.saveResult(definition.id, inputsHash(inputs), outcome);
      }
      finish({ state: "done" });
      log.info({ step: definition.id, durationMs: Date.now() - startedAt }, "deploy step done");
      return true;
    } catch (error) {
      const code = error instanceof DeployStepError || error instanceof ComfyCarryError ? error.code : "internal_error";
      log.error({ step: definition.id, err: error }, "deploy step failed");
      finish({ state: "failed", error: { code, message: message(error).slice(0, 2000) } });
      return false;
    }
  }

  #update(runId: string, step: DeployStep, steps: DeployStep[], index: number): void {
    steps[index] = step;
    this.store.saveStep(runId, step);
    this.#options.emit({ kind: "deploy.step", at: toUtcTimestamp(), deploy_id: runId, step });
  }

  #context(stepId: DeployStepId, request: DeployRequest, runId: string, stepLog: StepLog, signal: AbortSignal, log: Logger): StepContext {
    const line = (text: string): void => stepLog.add(stepId, text);
    return {
      stepId,
      request,
      settings: this.#options.settings,
      deps: this.#options.deps,
      store: this.store,
      log: log.child({ step: stepId }),
      signal,
      line,
      run: (file, args, cwd, env) => runChild(this.store, file, args, { cwd, stepId, onLine: line, signal, ...(env === undefined ? {} : { env }) }),
      outcome: (id) => this.store.result(id)?.outcome ?? null,
    };
  }
}

/** SHA-256 of the inputs' JSON; keys are sorted so the same inputs always hash the same. */
export function inputsHash(inputs: unknown): string {
  return createHash("sha256").update(stableJson(inputs)).digest("hex");
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stableJson).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([left], [right]) => left.localeCompare(right, "en"));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export { DEPLOY_STEP_IDS };
