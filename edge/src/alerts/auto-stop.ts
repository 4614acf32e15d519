/**
 * @module Optional auto-stop of an idle instance. When the idle alert is raised and the owner set
 * a grace period, a stop is scheduled for the end of it. When it is due, the instance is stopped
 * through its provider only if the snapshot reports every synced file on the remote ("safe to
 * destroy"). Otherwise the status records the reason and the check repeats every RECHECK_MS. Any activity
 * clears the idle alert and cancels the stop.
 */
import { autoStopStatusSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { AlertSettings, AutoStopStatus, InstancePrice, Overview } from "@comfycarry/shared";

import type { Env } from "../env.js";
import { log } from "../log.js";
import type { DeadlineScheduler } from "../instance/scheduler.js";
import type { AlertChanges } from "./engine.js";
import { stopMachine } from "./provider-stop.js";
import type { Fetcher } from "./provider-stop.js";

export const AUTO_STOP_DEADLINE_KEY = "auto_stop";
const STATUS_KEY = "alerts.auto_stop";
/** Wait between checks while the stop is held back. */
export const RECHECK_MS = 60_000;

const OFF: AutoStopStatus = { state: "off", at: null, reason: null, unsynced_files: null, detail: null };

function iso(ms: number): string {
  return toUtcTimestamp(new Date(ms));
}

export type AutoStopSources = {
  env: Env;
  kv: SyncKvStorage;
  scheduler: DeadlineScheduler;
  settings: () => AlertSettings;
  price: () => InstancePrice | null;
  snapshot: () => Overview | null;
};

export class AutoStop {
  constructor(
    private readonly instanceId: string,
    private readonly sources: AutoStopSources,
  ) {}

  status(): AutoStopStatus {
    const parsed = autoStopStatusSchema.safeParse(this.sources.kv.get(STATUS_KEY));
    return parsed.success ? parsed.data : OFF;
  }

  /** Schedules the stop when the idle alert is raised, and cancels it when the alert clears. */
  async onAlertChanges(changes: AlertChanges, now: number): Promise<void> {
    if (changes.cleared.some((alert) => alert.rule === "gpu_idle")) {
      await this.cancel("the instance is busy again");
    }
    const grace = this.sources.settings().auto_stop_grace_minutes;
    if (grace !== null && changes.raised.some((alert) => alert.rule === "gpu_idle")) {
      const due = now + grace * 60_000;
      this.save({ ...OFF, state: "scheduled", at: iso(due) });
      await this.sources.scheduler.schedule(AUTO_STOP_DEADLINE_KEY, due);
      log.info({ instanceId: this.instanceId, dueAt: iso(due) }, "auto-stop scheduled after the idle grace period");
    }
  }

  /** Stops the instance when everything is synced; otherwise records why and checks again later. */
  async run(now: number, fetcher: Fetcher): Promise<AutoStopStatus> {
    const current = this.status();
    if (current.state !== "scheduled" && current.state !== "waiting") {
      return current;
    }

    const holdReason = this.holdReason();
    if (holdReason !== null) {
      const status: AutoStopStatus = { ...holdReason, state: "waiting", at: iso(now) };
      this.save(status);
      await this.sources.scheduler.schedule(AUTO_STOP_DEADLINE_KEY, now + RECHECK_MS);
      log.info({ instanceId: this.instanceId, reason: status.reason, unsyncedFiles: status.unsynced_files }, "auto-stop is due but held back");
      return status;
    }

    const price = this.sources.price();
    if (price === null || price.source === "manual" || price.provider_id === null) {
      const status: AutoStopStatus = { ...OFF, state: "failed", at: iso(now), reason: "no_provider", detail: "set the price from vast.ai or RunPod with the machine id, so the edge knows what to stop" };
      this.save(status);
      return status;
    }

    const problem = await stopMachine(this.sources.env, price.source, price.provider_id, fetcher);
    const status: AutoStopStatus =
      problem === null ? { ...OFF, state: "stopped", at: iso(now) } : { ...OFF, state: "failed", at: iso(now), reason: "provider_failed", detail: problem };
    this.save(status);
    if (problem === null) {
      log.warn({ instanceId: this.instanceId, provider: price.source }, "instance stopped through its provider after the idle grace period");
    } else {
      log.error({ instanceId: this.instanceId, provider: price.source, problem }, "auto-stop failed");
    }
    return status;
  }

  /** Moves the due time `ms` into the past; the test clock. */
  rewind(ms: number): void {
    const status = this.status();
    if (status.at !== null) {
      this.save({ ...status, at: iso(Date.parse(status.at) - ms) });
    }
  }

  private holdReason(): Omit<AutoStopStatus, "state" | "at"> | null {
    const sync = this.sources.snapshot()?.sync;
    if (sync === undefined) {
      return { reason: "sync_unknown", unsynced_files: null, detail: "no snapshot from the instance yet" };
    }
    if (!sync.available) {
      // With no sync set up there is nothing a stop could lose; a failing or missing sync engine is unknown.
      return sync.reason === "not_configured" ? null : { reason: "sync_unknown", unsynced_files: null, detail: sync.detail ?? `sync is ${sync.reason}` };
    }
    if (sync.safe === true) {
      return null;
    }
    if (sync.safe === false) {
      return { reason: "unsynced_files", unsynced_files: sync.unsynced_files ?? null, detail: null };
    }
    return { reason: "sync_unknown", unsynced_files: null, detail: "the instance has not said whether everything is synced" };
  }

  private async cancel(cause: string): Promise<void> {
    const current = this.status();
    if (current.state === "scheduled" || current.state === "waiting") {
      log.info({ instanceId: this.instanceId, cause }, "auto-stop canceled");
    }
    if (current.state !== "stopped") {
      this.save(OFF);
    }
    await this.sources.scheduler.cancel(AUTO_STOP_DEADLINE_KEY);
  }

  private save(status: AutoStopStatus): void {
    this.sources.kv.put(STATUS_KEY, status);
  }
}
