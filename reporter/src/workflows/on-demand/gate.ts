/**
 * The on-demand gate for prompts that pass through ComfyCarry (dashboard, API, access proxy).
 * A prompt whose models are all here goes on unchanged. One that needs missing models gets a
 * prompt id at once; the models are pulled, then the prompt is queued in ComfyUI under that id.
 */
import { randomUUID } from "node:crypto";

import { promptIdSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { ManifestModel, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { detectFormat } from "../parse/manifest.js";
import { comfyuiModelNames, modelPresent } from "../presence.js";
import type { WorkflowsService } from "../service.js";
import type { Puller } from "./pullers.js";
import { plainFetch } from "../../http/plain-fetch.js";

export interface PromptGateOptions {
  service: WorkflowsService;
  comfyuiUrl: string;
  pull: Puller;
  emit: (event: ProtocolEvent) => void;
  log: Logger;
}

/** The caller's next step: `pass` forwards the request unchanged, `held` returns `response` to the client at once. */
export type GateOutcome =
  | { kind: "pass" }
  | { kind: "held"; promptId: string; models: string[]; response: { prompt_id: string; number: number; node_errors: Record<string, never> }; done: Promise<void> };

const label = (model: ManifestModel): string => `${model.folder ?? "?"}/${model.name}`;

export class PromptGate {
  readonly #options: PromptGateOptions;
  readonly #log: Logger;
  /** Pulls in flight by model, so two prompts needing one file wait for the same transfer. */
  readonly #pulls = new Map<string, Promise<void>>();
  readonly #stop = new AbortController();

  constructor(options: PromptGateOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: "prompt-gate" });
  }

  /** Checks a `POST /prompt` body; a body that is not an API prompt passes, and ComfyUI answers it as usual. */
  async gatePrompt(body: unknown): Promise<GateOutcome> {
    const detected = detectFormat(body);
    if (detected?.format !== "api") {
      return { kind: "pass" };
    }
    const missing = await this.#missing(body);
    if (missing.length === 0) {
      return { kind: "pass" };
    }

    const supplied = typeof body === "object" && body !== null ? (body as Record<string, unknown>)["prompt_id"] : undefined;
    const promptId = promptIdSchema.safeParse(supplied).success ? String(supplied) : randomUUID();
    const models = missing.map(label);
    this.#log.info({ promptId, models }, "prompt held until its missing models are pulled");
    this.#event(promptId, "waiting", models, `waiting for ${models.length} missing model(s): ${models.join(", ")}`, missing);

    const done = this.#pullThenQueue(promptId, body as Record<string, unknown>, missing);
    return { kind: "held", promptId, models, response: { prompt_id: promptId, number: 0, node_errors: {} }, done };
  }

  stop(): void {
    this.#stop.abort();
  }

  async #missing(body: unknown): Promise<ManifestModel[]> {
    const { service } = this.#options;
    let models: ManifestModel[];
    try {
      models = (await service.parseJson(body, "(prompt)")).manifest.models;
    } catch (error) {
      this.#log.debug({ err: error }, "prompt could not be parsed; passing it on");
      return [];
    }
    const missing: ManifestModel[] = [];
    const listed = new Map<string, Promise<Set<string> | null>>();
    for (const model of models) {
      const folder = model.folder;
      if (!model.required || folder === null || service.policies.policyFor(folder) === "never") {
        continue;
      }
      if (await modelPresent(service.modelsDir, model)) {
        continue;
      }
      // ComfyUI also reads folders from extra_model_paths.yaml, which the disk check does not know.
      let known = listed.get(folder);
      if (known === undefined) {
        known = comfyuiModelNames(this.#options.comfyuiUrl, folder);
        listed.set(folder, known);
      }
      if ((await known)?.has(model.name) !== true) {
        missing.push(model);
      }
    }
    return missing;
  }

  #pullOnce(model: ManifestModel): Promise<void> {
    const key = label(model);
    let pull = this.#pulls.get(key);
    if (pull === undefined) {
      pull = this.#options.pull(model, this.#stop.signal).finally(() => this.#pulls.delete(key));
      this.#pulls.set(key, pull);
    }
    return pull;
  }

  async #pullThenQueue(promptId: string, body: Record<string, unknown>, missing: ManifestModel[]): Promise<void> {
    const started = Date.now();
    try {
      for (const [index, model] of missing.entries()) {
        await this.#pullOnce(model);
        const left = missing.slice(index + 1);
        if (left.length > 0) {
          this.#event(promptId, "waiting", left.map(label), `pulled ${label(model)}; ${left.length} model(s) to go`, left, { started, done: index + 1 });
        }
      }
    } catch (error) {
      const reason = `model pull failed: ${error instanceof Error ? error.message : String(error)}`;
      this.#log.error({ err: error, promptId }, "prompt failed because a missing model could not be pulled");
      this.#event(promptId, "failed", missing.map(label), reason, []);
      return;
    }

    try {
      await this.#queue(promptId, body);
      this.#log.info({ promptId, waitedMs: Date.now() - started }, "held prompt queued in ComfyUI");
      this.#event(promptId, "submitted", missing.map(label), null, []);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#log.error({ err: error, promptId }, "held prompt could not be queued in ComfyUI");
      this.#event(promptId, "failed", missing.map(label), reason, []);
    }
  }

  async #queue(promptId: string, body: Record<string, unknown>): Promise<void> {
    const response = await plainFetch(`${this.#options.comfyuiUrl}/prompt`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...body, prompt_id: promptId }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) {
      throw new Error(`ComfyUI rejected the prompt: HTTP ${response.status} ${(await response.text()).slice(0, 500)}`);
    }
  }

  /** Sends the wait event. The ETA is an estimate from the time each model pulled so far took, so the first event has none. */
  #event(promptId: string, state: "waiting" | "submitted" | "failed", models: string[], reason: string | null, left: ManifestModel[], progress?: { started: number; done: number }): void {
    const sizes = left.map((model) => model.size);
    const remaining = sizes.length > 0 && sizes.every((size) => size !== null) ? sizes.reduce<number>((sum, size) => sum + (size ?? 0), 0) : null;
    const eta = progress === undefined || progress.done === 0 ? null : ((Date.now() - progress.started) / 1000 / progress.done) * left.length;
    this.#options.emit({ kind: "workflows.prompt.wait", at: toUtcTimestamp(), prompt_id: promptId, state, models: models.slice(0, 100), remaining_bytes: remaining, eta_s: eta, reason });
  }
}
