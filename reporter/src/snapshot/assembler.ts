import { toUtcTimestamp } from "@comfycarry/shared";
import type { ComfyuiSection, DeploySection, Overview, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { ServiceChanges } from "./service-changes.js";
import type { GpuSource, HostSample, ServiceManager, SystemSource } from "./sources.js";

export interface SnapshotAssemblerOptions {
  instanceId: string;
  version: string;
  system: SystemSource;
  gpus: GpuSource;
  /** Null when PM2 is not reachable at all; the section is then unavailable. */
  services: ServiceManager | null;
  comfyui: () => ComfyuiSection;
  /** The download queue's section; not built when absent. */
  downloads?: () => Overview["downloads"];
  /** The cloud-sync section; "not built" when the reporter runs without sync. */
  sync?: () => Overview["sync"];
  /** The tunnel section; "not built" when the reporter runs without the tunnel. */
  tunnel?: () => Overview["tunnel"];
  /** The deploy section for the setup wizard; left out of the snapshot when absent. */
  deploy?: () => DeploySection;
  /** Receives `service.changed` events found between two reads. */
  emit: (event: ProtocolEvent) => void;
  log: Logger;
}

const NOT_BUILT = { available: false, reason: "not_built" } as const;

/** Builds the overview snapshot from the sources; features not built yet are marked so, never filled in. */
export class SnapshotAssembler {
  readonly #options: SnapshotAssemblerOptions;
  readonly #log: Logger;
  readonly #changes = new ServiceChanges();
  #lastHost: HostSample | null = null;

  constructor(options: SnapshotAssemblerOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: "snapshot" });
  }

  /** Returns a snapshot, or null before the first successful host reading. */
  async build(): Promise<Overview | null> {
    const [host, services] = await Promise.all([this.#readHost(), this.#readServices()]);
    if (host === null) {
      return null;
    }

    const gpus = this.#options.gpus.current();
    return {
      instance_id: this.#options.instanceId,
      captured_at: toUtcTimestamp(),
      system: { ...host, gpus: gpus.gpus, gpu_error: gpus.gpu_error },
      services,
      comfyui: this.#options.comfyui(),
      sync: this.#options.sync?.() ?? NOT_BUILT,
      tunnel: this.#options.tunnel?.() ?? NOT_BUILT,
      downloads: this.#options.downloads?.() ?? NOT_BUILT,
      ...(this.#options.deploy === undefined ? {} : { deploy: this.#options.deploy() }),
      dashboard_version: this.#options.version,
    };
  }

  /** Reads host facts; a failed read reuses the last good one, because `system` has no unavailable form. */
  async #readHost(): Promise<HostSample | null> {
    try {
      this.#lastHost = await this.#options.system.read();
    } catch (error) {
      this.#log.warn({ err: error, reusingLast: this.#lastHost !== null }, "reading host facts failed");
    }
    return this.#lastHost;
  }

  async #readServices(): Promise<Overview["services"]> {
    const manager = this.#options.services;
    if (manager === null) {
      return { available: false, reason: "error", detail: "PM2 is not reachable" };
    }
    try {
      const items = await manager.list();
      for (const event of this.#changes.diff(items)) {
        this.#options.emit(event);
      }
      return { available: true, items };
    } catch (error) {
      this.#log.warn({ err: error }, "reading PM2's process list failed");
      const detail = error instanceof Error ? error.message.slice(0, 500) : "PM2 list failed";
      return { available: false, reason: "error", detail };
    }
  }
}
