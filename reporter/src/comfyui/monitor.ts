import { EventEmitter } from "node:events";

import { toUtcTimestamp } from "@comfycarry/shared";
import type { ComfyuiState, ProtocolEvent, Service } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import type { ServiceManager } from "../snapshot/sources.js";
import { RestartHistory, judgeComfyuiState } from "./health.js";
import type { ComfyuiHttp } from "./http.js";

export interface ComfyuiMonitorOptions {
  http: ComfyuiHttp;
  /** Null when PM2 is not available; then the state comes from HTTP alone. */
  services: ServiceManager | null;
  serviceName: string;
  log: Logger;
  intervalMs?: number;
  /** Interval while ComfyUI is expected to change state, e.g. right after a restart. */
  fastIntervalMs?: number;
  /** How long the fast interval lasts after a poke, unless ComfyUI comes online first. */
  fastForMs?: number;
  now?: () => number;
}

/** The health part of the overview's `comfyui` section. */
export interface ComfyuiHealth {
  online: boolean;
  state: ComfyuiState;
  version: string | null;
  pytorch_version: string | null;
  python_version: string | null;
}

export interface ComfyuiMonitorEvents {
  event: [event: ProtocolEvent];
}

/** Polls /system_stats (and /queue when it fails) and ComfyUI's PM2 process, and emits `comfyui.state` on every change. */
export class ComfyuiMonitor extends EventEmitter<ComfyuiMonitorEvents> {
  readonly #options: ComfyuiMonitorOptions;
  readonly #log: Logger;
  readonly #restarts = new RestartHistory();
  #health: ComfyuiHealth = { online: false, state: "offline", version: null, pytorch_version: null, python_version: null };
  #timer: NodeJS.Timeout | null = null;
  #checking = false;
  #judged = false;
  #fastTimer: NodeJS.Timeout | null = null;
  #fastUntil = 0;
  /** Whether a check since the last poke found ComfyUI not online, so "online" again ends the fast checks. */
  #sawNotOnline = false;
  /** Whether the last check found /system_stats failing while /queue responded. */
  #statsOnlyFailure = false;

  constructor(options: ComfyuiMonitorOptions) {
    super();
    this.#options = options;
    this.#log = options.log.child({ component: "comfyui-monitor" });
  }

  get health(): ComfyuiHealth {
    return { ...this.#health };
  }

  start(): void {
    void this.check();
    this.#timer = setInterval(() => void this.check(), this.#options.intervalMs ?? 3_000);
  }

  stop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    this.#stopFast();
  }

  /**
   * Checks now and then often for a while, because ComfyUI is about to change state (a
   * restart through PM2). Without it a quick restart can fall between two regular checks
   * and the dashboard never sees ComfyUI leave `online`.
   */
  poke(): void {
    const now = (this.#options.now ?? Date.now)();
    this.#fastUntil = now + (this.#options.fastForMs ?? 60_000);
    void this.check();
    if (this.#fastTimer === null) {
      this.#fastTimer = setInterval(() => {
        const elapsed = (this.#options.now ?? Date.now)() > this.#fastUntil;
        if (elapsed || (this.#health.state === "online" && this.#sawNotOnline)) {
          this.#stopFast();
          return;
        }
        void this.check();
      }, this.#options.fastIntervalMs ?? 250);
    }
    this.#sawNotOnline = false;
  }

  #stopFast(): void {
    if (this.#fastTimer !== null) {
      clearInterval(this.#fastTimer);
      this.#fastTimer = null;
    }
  }

  /** Reads both sources once and updates the state. */
  async check(): Promise<void> {
    if (this.#checking) {
      return;
    }
    this.#checking = true;
    try {
      const [stats, service] = await Promise.all([this.#readStats(), this.#readService()]);
      // Requested only when /system_stats fails, to tell a ComfyUI that cannot read its GPU from one that is down.
      const api = stats === null && (await this.#queueAnswers());
      this.#noteStatsOnlyFailure(api);
      const crashLoop = service !== null && this.#restarts.record(service.restarts, (this.#options.now ?? Date.now)());
      const state = judgeComfyuiState({ stats: stats !== null, api }, service, crashLoop);
      const previous = this.#health.state;
      if (state !== "online") {
        this.#sawNotOnline = true;
      }
      this.#health = {
        online: stats !== null || api,
        state,
        version: stats?.version ?? this.#health.version,
        pytorch_version: stats?.pytorch ?? this.#health.pytorch_version,
        python_version: stats?.python ?? this.#health.python_version,
      };

      if (state !== previous || !this.#judged) {
        this.#judged = true;
        this.#log.info({ state, previous, pm2Status: service?.status ?? null, restarts: service?.restarts ?? null }, "ComfyUI state");
        this.emit("event", { kind: "comfyui.state", at: toUtcTimestamp(), state });
      }
    } finally {
      this.#checking = false;
    }
  }

  async #readStats(): Promise<{ version: string | null; pytorch: string | null; python: string | null } | null> {
    try {
      const { system } = await this.#options.http.systemStats();
      // ComfyUI reports Python as "3.12.3 (main, Sep 11 2025, …) [GCC …]"; the overview wants the version.
      const python = system.python_version?.split(" ")[0] ?? null;
      return { version: system.comfyui_version ?? null, pytorch: system.pytorch_version ?? null, python };
    } catch (error) {
      this.#log.debug({ err: error }, "ComfyUI /system_stats request failed");
      return null;
    }
  }

  async #queueAnswers(): Promise<boolean> {
    try {
      await this.#options.http.queue();
      return true;
    } catch (error) {
      this.#log.debug({ err: error }, "ComfyUI /queue request failed");
      return false;
    }
  }

  /** Logs once per change when ComfyUI starts or stops responding on every route except /system_stats. */
  #noteStatsOnlyFailure(failing: boolean): void {
    if (failing === this.#statsOnlyFailure) {
      return;
    }
    this.#statsOnlyFailure = failing;
    if (failing) {
      this.#log.warn("ComfyUI /system_stats failed while /queue responded, e.g. after an NVML error; reporting ComfyUI online with the last known versions");
    } else {
      this.#log.info("ComfyUI /system_stats no longer fails alone: it responds again or ComfyUI stopped responding");
    }
  }

  async #readService(): Promise<Service | null> {
    const services = this.#options.services;
    if (services === null) {
      return null;
    }
    try {
      const list = await services.list();
      return list.find((service) => service.name === this.#options.serviceName) ?? null;
    } catch (error) {
      this.#log.warn({ err: error }, "reading PM2's process list failed");
      return null;
    }
  }
}
