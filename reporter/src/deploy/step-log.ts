/** A run's live log: the last lines of each step for the wizard, and `deploy.log` events batched about once a second. */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { DeployStepId, ProtocolEvent } from "@comfycarry/shared";

const KEEP_LINES = 50;
const FLUSH_MS = 1_000;
const MAX_LINE = 2_000;
/** Lines per event; the protocol allows 200. */
const MAX_EVENT_LINES = 200;

export class StepLog {
  readonly #deployId: string;
  readonly #emit: (event: ProtocolEvent) => void;
  readonly #kept = new Map<DeployStepId, string[]>();
  #pending: { stepId: DeployStepId; lines: string[] } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #dropped = 0;

  constructor(deployId: string, emit: (event: ProtocolEvent) => void) {
    this.#deployId = deployId;
    this.#emit = emit;
  }

  add(stepId: DeployStepId, text: string): void {
    const line = text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
    const kept = this.#kept.get(stepId) ?? [];
    kept.push(line);
    if (kept.length > KEEP_LINES) {
      kept.shift();
    }
    this.#kept.set(stepId, kept);

    if (this.#pending !== null && this.#pending.stepId !== stepId) {
      this.flush();
    }
    this.#pending ??= { stepId, lines: [] };
    if (this.#pending.lines.length < MAX_EVENT_LINES) {
      this.#pending.lines.push(line);
    } else {
      this.#dropped += 1;
    }
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  lines(stepId: DeployStepId): string[] {
    return [...(this.#kept.get(stepId) ?? [])];
  }

  /** Sends the pending lines now (at a step change, so the log never trails the step state). */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const pending = this.#pending;
    this.#pending = null;
    if (pending === null || pending.lines.length === 0) {
      return;
    }
    if (this.#dropped > 0) {
      pending.lines[pending.lines.length - 1] = `… ${this.#dropped} more lines in the reporter log`;
      this.#dropped = 0;
    }
    this.#emit({ kind: "deploy.log", at: toUtcTimestamp(), deploy_id: this.#deployId, step_id: pending.stepId, lines: pending.lines });
  }
}
