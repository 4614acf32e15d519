/** The long-lived nvidia-smi process behind the overview's GPU readings. */
import { createInterface } from "node:readline";

import type { Gpu } from "@comfycarry/shared";
import { toUtcTimestamp } from "@comfycarry/shared";
import { execa } from "execa";
import type { Logger } from "pino";

import type { BackoffOptions } from "../../link/backoff.js";
import { Backoff } from "../../link/backoff.js";
import { SampleAssembler } from "./blocks.js";
import type { GpuError, GpuErrorCode } from "./errors.js";
import { classifyExit, NVML_FAILURE_TEXT } from "./errors.js";
import { GPU_QUERY_FIELDS, parseGpuRow } from "./parse.js";

/** The last good GPUs and the sampling error: the source of `system.gpus` and `system.gpu_error`. */
export interface GpuState {
  gpus: Gpu[];
  gpu_error: GpuError | null;
}

export interface GpuSamplerOptions {
  logger: Logger;
  /** Time between samples in ms; default 2000. Whole seconds use `-l`, anything else `-lms`. */
  intervalMs?: number;
  /** The nvidia-smi executable, a name looked up on PATH or a path; default `nvidia-smi`. */
  binary?: string;
  /** Restart delays after nvidia-smi exits; default 1 s doubling to 60 s. */
  backoff?: BackoffOptions;
  /** Quiet time after a row that ends a sample, in ms; default 150. */
  settleMs?: number;
  /** No sample for this long (ms) kills and restarts nvidia-smi; default 5 intervals, at least 15 s. */
  staleAfterMs?: number;
  /** Clock for `gpu_error.since`; tests pass a fixed one. */
  now?: () => Date;
}

// Keeps only the end of non-row output: enough for the error message, bounded in memory.
const MAX_OUTPUT_LINES = 5;
const MAX_LINE_CHARS = 300;

type Subprocess = ReturnType<typeof execa>;

/**
 * Runs a single `nvidia-smi --query-gpu … -l N` for as long as the reporter runs, rather than one
 * process per sample, because spawning nvidia-smi costs far more CPU than reading its rows.
 * When nvidia-smi exits it is restarted with exponential backoff; meanwhile `current()`
 * keeps the last good GPUs and sets `gpu_error`.
 */
export class GpuSampler {
  readonly #log: Logger;
  readonly #binary: string;
  readonly #intervalMs: number;
  readonly #staleAfterMs: number;
  readonly #now: () => Date;
  readonly #backoff: Backoff;
  readonly #assembler: SampleAssembler;
  readonly #listeners = new Set<(state: GpuState) => void>();

  #gpus: Gpu[] = [];
  #error: GpuError | null;
  #running = false;
  #child: Subprocess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #staleTimer: NodeJS.Timeout | undefined;
  #killedAsStale = false;
  #output: string[] = [];
  #unparsedLogged = false;

  constructor(options: GpuSamplerOptions) {
    const intervalMs = options.intervalMs ?? 2_000;
    if (!Number.isInteger(intervalMs) || intervalMs < 1) {
      throw new RangeError(`GpuSampler intervalMs must be a positive whole number of ms, got ${String(intervalMs)}`);
    }

    this.#log = options.logger.child({ source: "gpu" });
    this.#binary = options.binary ?? "nvidia-smi";
    this.#intervalMs = intervalMs;
    this.#staleAfterMs = options.staleAfterMs ?? Math.max(5 * intervalMs, 15_000);
    this.#now = options.now ?? (() => new Date());
    this.#backoff = new Backoff(options.backoff ?? { initialMs: 1_000, maxMs: 60_000, factor: 2 });
    this.#assembler = new SampleAssembler((gpus) => this.#onSample(gpus), options.settleMs ?? 150);
    this.#error = { code: "no_sample_yet", message: "Waiting for the first nvidia-smi sample.", since: toUtcTimestamp(this.#now()) };
  }

  /** Returns the last good GPUs and the current error, if any. */
  current(): GpuState {
    return { gpus: [...this.#gpus], gpu_error: this.#error };
  }

  /** Calls `listener` after each new sample and each change of error; returns the unsubscribe function. */
  subscribe(listener: (state: GpuState) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Process id of the running nvidia-smi, for diagnostics; undefined between runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts nvidia-smi; calling it again while running does nothing. */
  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#spawn();
  }

  /** Kills nvidia-smi and cancels any restart; resolves once the process has exited. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#restartTimer);
    clearTimeout(this.#staleTimer);
    this.#assembler.clear();
    this.#child?.kill();
    await this.#exited;
  }

  /** Returns the nvidia-smi arguments, with `-lms` only when the interval is not whole seconds. */
  args(): string[] {
    const loop = this.#intervalMs % 1_000 === 0 ? ["-l", String(this.#intervalMs / 1_000)] : ["-lms", String(this.#intervalMs)];
    return [`--query-gpu=${GPU_QUERY_FIELDS.join(",")}`, "--format=csv,noheader,nounits", ...loop];
  }

  #spawn(): void {
    this.#output = [];
    this.#killedAsStale = false;
    this.#unparsedLogged = false;

    const child = execa(this.#binary, this.args(), { reject: false, buffer: false, stdin: "ignore" });
    this.#child = child;
    this.#log.debug({ pid: child.pid, binary: this.#binary }, "nvidia-smi started");

    createInterface({ input: child.stdout }).on("line", (line) => this.#onLine(line));
    createInterface({ input: child.stderr }).on("line", (line) => this.#keepOutput(line));
    this.#armStaleTimer();

    this.#exited = child.then((result) => {
      this.#onExit({
        spawnErrorCode: result.code,
        exitCode: result.exitCode,
        signal: result.signal,
      });
    });
  }

  #onLine(line: string): void {
    if (line.trim() === "") {
      return;
    }
    const gpu = parseGpuRow(line);
    if (gpu !== null) {
      this.#assembler.push(gpu);
      return;
    }

    this.#keepOutput(line);
    // NVML errors end the run and are reported then; other stray lines are logged once per run.
    if (!line.includes(NVML_FAILURE_TEXT) && !this.#unparsedLogged) {
      this.#unparsedLogged = true;
      this.#log.warn({ line: line.slice(0, MAX_LINE_CHARS) }, "nvidia-smi printed a line that is not a GPU row");
    }
  }

  #keepOutput(line: string): void {
    if (line.trim() === "") {
      return;
    }
    this.#output.push(line.trim().slice(0, MAX_LINE_CHARS));
    if (this.#output.length > MAX_OUTPUT_LINES) {
      this.#output.shift();
    }
  }

  #onSample(gpus: Gpu[]): void {
    this.#gpus = gpus;
    this.#backoff.reset();
    this.#armStaleTimer();
    if (this.#error !== null && this.#error.code !== "no_sample_yet") {
      this.#log.info({ gpus: gpus.length, previous_error: this.#error.code }, "nvidia-smi sampling recovered");
    }
    this.#error = null;
    this.#notify();
  }

  #armStaleTimer(): void {
    clearTimeout(this.#staleTimer);
    this.#staleTimer = setTimeout(() => {
      this.#log.warn({ pid: this.#child?.pid, stale_after_ms: this.#staleAfterMs }, "nvidia-smi printed no sample in time; killing it");
      this.#killedAsStale = true;
      this.#child?.kill();
    }, this.#staleAfterMs);
  }

  #onExit(end: { spawnErrorCode: string | undefined; exitCode: number | undefined; signal: string | undefined }): void {
    clearTimeout(this.#staleTimer);
    this.#child = undefined;
    if (!this.#running) {
      this.#log.debug({ binary: this.#binary }, "nvidia-smi stopped");
      return;
    }

    // Rows printed just before the exit are still a good sample.
    this.#assembler.flush();
    const { code, message } = classifyExit({
      binary: this.#binary,
      ...end,
      output: this.#output,
      staleAfterMs: this.#killedAsStale ? this.#staleAfterMs : null,
    });
    this.#setError(code, message);

    const delayMs = this.#backoff.next();
    const fields = { code, exit_code: end.exitCode, signal: end.signal, attempt: this.#backoff.attempt, retry_in_ms: delayMs };
    // A missing nvidia-smi on a CPU-only machine is expected, so repeats stay at debug.
    if (this.#backoff.attempt === 1 || code !== "nvidia_smi_missing") {
      this.#log.warn({ ...fields, err_message: message }, "nvidia-smi ended; restarting");
    } else {
      this.#log.debug(fields, "nvidia-smi still missing");
    }
    this.#restartTimer = setTimeout(() => this.#spawn(), delayMs);
  }

  #setError(code: GpuErrorCode, message: string): void {
    // `since` marks when this kind of failure began, so repeats of one code keep it.
    const since = this.#error !== null && this.#error.code === code ? this.#error.since : toUtcTimestamp(this.#now());
    const changed = this.#error?.code !== code || this.#error.message !== message;
    this.#error = { code, message, since };
    if (changed) {
      this.#notify();
    }
  }

  #notify(): void {
    const state = this.current();
    for (const listener of this.#listeners) {
      try {
        listener(state);
      } catch (error) {
        this.#log.error({ err: error }, "GPU sample listener failed");
      }
    }
  }
}
