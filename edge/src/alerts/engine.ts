/**
 * @module Turns conditions into alerts for one instance. After each snapshot, relevant event,
 * link change or deadline it compares the conditions true now with the active alerts: a condition that
 * has held for its hold time is raised, an active alert whose condition stopped is cleared, and
 * a severity change clears the old alert and raises a new one. The "alerts" deadline wakes the
 * object when a pending condition or a crash-loop window is due.
 */
import { DEFAULT_ALERT_SETTINGS, alertSettingsSchema } from "@comfycarry/shared";
import type { Alert, AlertQuery, AlertSettings, ProtocolEvent } from "@comfycarry/shared";

import { log } from "../log.js";
import type { InstanceStore } from "../instance/instance-store.js";
import type { DeadlineScheduler } from "../instance/scheduler.js";
import { AlertStore } from "./alert-store.js";
import { currentConditions } from "./conditions.js";
import { AlertTrackers } from "./trackers.js";

export const ALERTS_DEADLINE_KEY = "alerts";
const SETTINGS_KEY = "alerts.settings";

/** Alerts one evaluation raised and cleared. */
export type AlertChanges = { raised: Alert[]; cleared: Alert[] };

/** Called with every change, e.g. to queue notifications and tell browsers. */
export type AlertListener = (changes: AlertChanges, now: number) => Promise<void>;

export class AlertEngine {
  private readonly alerts: AlertStore;
  private readonly trackers: AlertTrackers;
  private readonly listeners: AlertListener[] = [];

  constructor(
    private readonly instanceId: string,
    private readonly ctx: DurableObjectState,
    private readonly store: InstanceStore,
    private readonly scheduler: DeadlineScheduler,
    /** The fleet price of the instance, quoted by the idle alert when the alert settings name none. */
    private readonly price: () => { hourly_price: number; currency: string } | null = () => null,
  ) {
    this.alerts = new AlertStore(instanceId, ctx.storage.sql);
    this.trackers = new AlertTrackers(ctx.storage.sql, ctx.storage.kv);
  }

  onChange(listener: AlertListener): void {
    this.listeners.push(listener);
  }

  settings(): AlertSettings {
    const stored = alertSettingsSchema.safeParse(this.ctx.storage.kv.get(SETTINGS_KEY));
    return stored.success ? stored.data : DEFAULT_ALERT_SETTINGS;
  }

  async saveSettings(settings: AlertSettings, now: number): Promise<void> {
    this.ctx.storage.kv.put(SETTINGS_KEY, settings);
    await this.evaluate(now);
  }

  /** Returns the active alerts. */
  activeAlerts(): Iterable<Alert> {
    return this.alerts.active().values();
  }

  list(query: AlertQuery): Alert[] {
    return this.alerts.list(query);
  }

  /**
   * Acknowledges an alert. A failed download has no condition that ends by itself, so
   * acknowledging it also deletes the failure record and the alert clears.
   */
  async acknowledge(id: string, now: number): Promise<Alert | null> {
    const alert = this.alerts.acknowledge(id, now);
    if (alert?.rule === "download_failed" && alert.state === "active") {
      const jobId = alert.params.job_id;
      if (typeof jobId === "string") {
        this.trackers.forgetDownload(jobId);
        await this.evaluate(now);
        return this.alerts.get(id);
      }
    }
    return alert;
  }

  async onSnapshot(now: number): Promise<void> {
    const snapshot = this.store.snapshot();
    if (snapshot !== null) {
      this.trackers.onSnapshot(snapshot.overview, now);
    }
    await this.evaluate(now);
  }

  async onEvent(event: ProtocolEvent, now: number): Promise<void> {
    if (this.trackers.onEvent(event, now)) {
      await this.evaluate(now);
    }
  }

  /** Re-judges every rule at `now`; called on link changes and when the alerts deadline fires. */
  async evaluate(now: number): Promise<AlertChanges> {
    const link = this.store.link();
    const offlineSince = link.offlineSince === null || link.lastSeenAt === null ? null : Date.parse(link.offlineSince);
    const conditions = currentConditions(this.store.snapshot()?.overview ?? null, this.trackers.facts(offlineSince, now), this.ruleSettings(), now);
    const active = this.alerts.active();
    const changes: AlertChanges = { raised: [], cleared: [] };
    let nextCheck = this.trackers.nextRestartExpiry();

    for (const condition of conditions) {
      const current = active.get(condition.key);
      active.delete(condition.key);
      if (current !== undefined && current.severity === condition.severity) {
        continue;
      }
      if (current !== undefined) {
        changes.cleared.push(this.alerts.clear(current, now));
      }

      const since = condition.since ?? this.alerts.firstSeen(condition.key, now);
      const due = since + condition.holdMs;
      if (due <= now) {
        changes.raised.push(this.alerts.raise(condition, now));
      } else {
        nextCheck = nextCheck === null ? due : Math.min(nextCheck, due);
      }
    }
    for (const stale of active.values()) {
      changes.cleared.push(this.alerts.clear(stale, now));
    }
    this.alerts.dropPendingExcept(new Set(conditions.map((condition) => condition.key)));

    // Rewriting an unchanged deadline would cost a storage write on every snapshot.
    if (nextCheck !== null && this.scheduler.dueAt(ALERTS_DEADLINE_KEY) !== nextCheck) {
      await this.scheduler.schedule(ALERTS_DEADLINE_KEY, nextCheck);
    }
    await this.announce(changes, now);
    return changes;
  }

  /** Returns the settings the rules use: the alert settings, with the fleet price when they name none. */
  private ruleSettings(): AlertSettings {
    const settings = this.settings();
    const price = this.price();
    if (settings.hourly_price !== null || price === null) {
      return settings;
    }
    return { ...settings, hourly_price: price.hourly_price, currency: price.currency };
  }

  /** Moves the alert tables' times and the link's offline time `ms` into the past; the test clock. */
  rewind(ms: number): void {
    this.alerts.rewind(ms);
    this.trackers.rewind(ms);
    const link = this.store.link();
    if (link.offlineSince !== null) {
      const earlier = (at: string): string => new Date(Date.parse(at) - ms).toISOString();
      this.store.markOffline(link.lastSeenAt === null ? null : earlier(link.lastSeenAt), earlier(link.offlineSince));
    }
  }

  private async announce(changes: AlertChanges, now: number): Promise<void> {
    if (changes.raised.length === 0 && changes.cleared.length === 0) {
      return;
    }
    for (const alert of changes.raised) {
      log.warn({ instanceId: this.instanceId, alertId: alert.id, rule: alert.rule, key: alert.key, severity: alert.severity }, "alert raised");
    }
    for (const alert of changes.cleared) {
      log.info({ instanceId: this.instanceId, alertId: alert.id, rule: alert.rule, key: alert.key }, "alert cleared");
    }
    for (const listener of this.listeners) {
      await listener(changes, now);
    }
  }
}
