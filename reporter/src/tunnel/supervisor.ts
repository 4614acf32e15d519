/**
 * Keeps cloudflared running while the tunnel is enabled and judges its state from `/ready` and
 * the log, never from the process being alive. When cloudflared exits, the supervisor starts it
 * again after a backoff (longer for a Cloudflare rate limit), and not at all when cloudflared
 * rejected its settings, so an exit can never become a restart loop.
 */
import type { TunnelStatus } from "@comfycarry/shared";
import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { retryDelayMs } from "./backoff.js";
import type { RetryReason } from "./backoff.js";
import { emptyFindings, readLine } from "./log-lines.js";
import type { RunFindings } from "./log-lines.js";
import type { LogTail } from "./log-tail.js";
import { readIngressHostnames, readQuickUrl, readReadiness } from "./metrics-probe.js";
import type { CloudflaredDefinition, ProcessState } from "./pm2-process.js";

/** The PM2 side, replaced by nothing in tests: they run real PM2. */
export interface ProcessControl {
  state(): Promise<ProcessState>;
  start(definition: CloudflaredDefinition): Promise<void>;
  stop(): Promise<void>;
}

export interface Launch {
  definition: CloudflaredDefinition;
  /** `host:port` cloudflared's metrics server binds. */
  metricsAddress: string;
}

export interface SupervisorOptions {
  process: ProcessControl;
  tail: LogTail;
  /** Builds the next run's definition; a `ComfyCarryError` here marks the tunnel misconfigured. */
  prepare: () => Promise<Launch>;
  /** Whether a cloudflared already running with `args` fits the current settings and may be adopted. */
  canAdopt?: (args: readonly string[]) => boolean;
  log: Logger;
  /** Milliseconds since the epoch; tests pass a clock they move by hand. */
  now?: () => number;
  /** Called whenever the status, links or problem changed. */
  onChange?: () => void;
}

export interface SupervisorView {
  status: TunnelStatus;
  quickUrl: string | null;
  hostnames: string[];
  connections: number;
  problem: string | null;
  /** Set while waiting to start again after an exit. */
  nextAttemptAt: number | null;
  /** Rate-limited starts in a row; 0 unless rate-limited. */
  refusedStarts: number;
}

interface Run {
  metricsAddress: string;
  findings: RunFindings;
}

/** PM2 states in which the process is (still) up. */
const UP = new Set(["online", "launching"]);

export class TunnelSupervisor {
  readonly #options: SupervisorOptions;
  readonly #now: () => number;
  #enabled = false;
  #run: Run | null = null;
  #failures: { reason: RetryReason; count: number } | null = null;
  #nextAttemptAt: number | null = null;
  #busy: Promise<void> = Promise.resolve();
  #view: SupervisorView = { status: "stopped", quickUrl: null, hostnames: [], connections: 0, problem: null, nextAttemptAt: null, refusedStarts: 0 };

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  view(): SupervisorView {
    return { ...this.#view, hostnames: [...this.#view.hostnames] };
  }

  /**
   * Starts cloudflared now, unless a rate-limit wait is still running. A cloudflared that an
   * earlier reporter left running under PM2 is adopted, so a reporter restart keeps the quick
   * tunnel's URL.
   */
  enable(): Promise<void> {
    return this.#serial(async () => {
      this.#enabled = true;
      if (this.#run === null && (await this.#adopt())) {
        await this.#step();
        return;
      }
      if (this.#failures?.reason !== "rate_limited") {
        this.#failures = null;
        this.#nextAttemptAt = this.#now();
      }
      await this.#step();
    });
  }

  /** Stops cloudflared and keeps it stopped. */
  disable(): Promise<void> {
    return this.#serial(async () => {
      this.#enabled = false;
      this.#nextAttemptAt = null;
      this.#failures = null;
      this.#run = null;
      await this.#options.process.stop();
      this.#set({ status: "stopped", quickUrl: null, hostnames: [], connections: 0, problem: null, nextAttemptAt: null, refusedStarts: 0 });
    });
  }

  /**
   * Stops cloudflared and starts it with freshly prepared settings (a new quick-tunnel URL). A
   * rate-limit wait still holds unless `newSettings` says the mode or credentials changed.
   */
  restart(newSettings = false): Promise<void> {
    return this.#serial(async () => {
      this.#run = null;
      await this.#options.process.stop();
      this.#enabled = true;
      if (newSettings || this.#failures?.reason !== "rate_limited") {
        this.#failures = null;
        this.#nextAttemptAt = this.#now();
      }
      this.#set({ ...this.#view, quickUrl: null, connections: 0 });
      await this.#step();
    });
  }

  /** Checks cloudflared once; the feature calls this on a timer. */
  tick(): Promise<void> {
    return this.#serial(() => this.#step());
  }

  async #adopt(): Promise<boolean> {
    const state = await this.#options.process.state();
    const args = state.args ?? [];
    const metricsAddress = args[args.indexOf("--metrics") + 1];
    if (!UP.has(state.status ?? "") || !args.includes("--metrics") || metricsAddress === undefined) {
      return false;
    }
    if (this.#options.canAdopt?.(args) === false) {
      this.#options.log.info("the cloudflared that PM2 runs has other settings; starting a new one");
      return false;
    }
    // Its earlier lines were judged by the reporter that started it; only new ones count here.
    await this.#options.tail.readNew();
    this.#run = { metricsAddress, findings: emptyFindings() };
    this.#options.log.info({ metrics: metricsAddress }, "adopted the cloudflared that PM2 already runs");
    return true;
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(work, work);
    this.#busy = next.catch(() => undefined);
    return next;
  }

  async #step(): Promise<void> {
    if (!this.#enabled) {
      await this.#options.tail.readNew();
      return;
    }

    // Read the process state before the log, so the lines of a run that just ended are all in.
    const state = await this.#options.process.state();
    const lines = await this.#options.tail.readNew();
    const run = this.#run;
    if (run !== null) {
      for (const line of lines) {
        readLine(run.findings, line);
      }
    }

    if (run !== null && !UP.has(state.status ?? "")) {
      this.#afterExit(run.findings);
      this.#run = null;
    }
    if (this.#run === null) {
      if (this.#nextAttemptAt !== null && this.#now() >= this.#nextAttemptAt) {
        await this.#launch();
      } else {
        this.#set({ ...this.#view, nextAttemptAt: this.#nextAttemptAt });
      }
      return;
    }
    await this.#observe(this.#run);
  }

  #afterExit(findings: RunFindings): void {
    const { log } = this.#options;
    if (findings.misconfigured !== null) {
      this.#nextAttemptAt = null;
      this.#failures = null;
      log.error({ problem: findings.misconfigured }, "cloudflared rejected its settings; it stays stopped until they change");
      this.#set({ ...this.#view, status: "misconfigured", problem: findings.misconfigured, connections: 0, nextAttemptAt: null, refusedStarts: 0 });
      return;
    }

    const reason: RetryReason = findings.rateLimited ? "rate_limited" : "exited";
    const count = this.#failures?.reason === reason ? this.#failures.count + 1 : 1;
    this.#failures = { reason, count };
    const delay = retryDelayMs(reason, count);
    this.#nextAttemptAt = this.#now() + delay;

    if (reason === "rate_limited") {
      log.warn({ refusedStarts: count, retryInMs: delay }, "Cloudflare rejected the quick tunnel request (HTTP 429, error 1015); starting again after the backoff");
      this.#set({ ...this.#view, status: "rate_limited", problem: "Cloudflare rate limit (HTTP 429, error 1015)", quickUrl: null, connections: 0, nextAttemptAt: this.#nextAttemptAt, refusedStarts: count });
    } else {
      const problem = findings.lastError ?? "cloudflared exited";
      log.warn({ exitsInRow: count, retryInMs: delay, problem }, "cloudflared exited; starting it again after the backoff");
      this.#set({ ...this.#view, status: "offline", problem, connections: 0, nextAttemptAt: this.#nextAttemptAt, refusedStarts: 0 });
    }
  }

  async #launch(): Promise<void> {
    const { log, tail } = this.#options;
    this.#nextAttemptAt = null;
    // Lines of earlier runs stay in the log view but must not be judged as this run's.
    await tail.readNew();

    let launch: Launch;
    try {
      launch = await this.#options.prepare();
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, "cloudflared cannot start with the saved settings");
      this.#set({ ...this.#view, status: error instanceof ComfyCarryError ? "misconfigured" : "offline", problem, connections: 0, nextAttemptAt: null });
      return;
    }

    await this.#options.process.start(launch.definition);
    this.#run = { metricsAddress: launch.metricsAddress, findings: emptyFindings() };
    log.info({ metrics: launch.metricsAddress, attempt: (this.#failures?.count ?? 0) + 1 }, "cloudflared started");
    this.#set({ ...this.#view, status: "connecting", quickUrl: null, connections: 0, nextAttemptAt: null });
  }

  async #observe(run: Run): Promise<void> {
    const readiness = await readReadiness(run.metricsAddress);
    if (!readiness.ready) {
      this.#set({ ...this.#view, status: "connecting", connections: readiness.connections, problem: run.findings.lastError });
      return;
    }

    const quickUrl = run.findings.quickUrl ?? (await readQuickUrl(run.metricsAddress));
    const hostnames = await readIngressHostnames(run.metricsAddress);
    if (this.#view.status !== "online") {
      this.#options.log.info({ connections: readiness.connections, quickUrl }, "tunnel online");
    }
    this.#failures = null;
    this.#set({ status: "online", quickUrl, hostnames, connections: readiness.connections, problem: null, nextAttemptAt: null, refusedStarts: 0 });
  }

  #set(view: SupervisorView): void {
    const changed = JSON.stringify(view) !== JSON.stringify(this.#view);
    this.#view = view;
    if (changed) {
      this.#options.onChange?.();
    }
  }
}
