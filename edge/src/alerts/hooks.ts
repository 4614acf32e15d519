/**
 * @module Where the instance object feeds the alert engine and the notification outbox: after a
 * snapshot, an event, a link change, and when their deadlines fire.
 */
import type { ProtocolEvent } from "@comfycarry/shared";

import { fleetStub } from "../env.js";
import { errorFields, log } from "../log.js";
import type { InstanceParts } from "../instance/parts.js";
import { loadChannels } from "../notify/channels.js";
import { alertNotification, promptNotification } from "../notify/messages.js";
import { NOTIFY_DEADLINE_KEY } from "../notify/outbox.js";
import { hasPromptChannel } from "../notify/subscribers.js";
import { AUTO_STOP_DEADLINE_KEY } from "./auto-stop.js";
import { ALERTS_DEADLINE_KEY } from "./engine.js";

/** Queues a notification for every alert the engine raises or clears, and lets auto-stop follow the idle alert. */
export function connectAlertNotifications(parts: Pick<InstanceParts, "alerts" | "outbox" | "autoStop" | "name" | "env" | "instanceId">): void {
  parts.alerts.onChange(async (changes, now) => {
    await parts.autoStop.onAlertChanges(changes, now);
    for (const alert of changes.raised) {
      await parts.outbox.enqueue(alertNotification(alert, "raised", parts.name, now), now);
    }
    for (const alert of changes.cleared) {
      await parts.outbox.enqueue(alertNotification(alert, "cleared", parts.name, now), now);
    }
    await publishSummary(parts);
  });
}

/** Sends the instance's active alert counts to the fleet object; a failure is logged, and the next change sends them again. */
async function publishSummary(parts: Pick<InstanceParts, "alerts" | "env" | "instanceId">): Promise<void> {
  const active = [...parts.alerts.activeAlerts()];
  const summary = { instance_id: parts.instanceId, active: active.length, critical: active.filter((alert) => alert.severity === "critical").length };
  try {
    await fleetStub(parts.env).setAlertSummary(summary);
  } catch (err) {
    log.error({ instanceId: parts.instanceId, err: errorFields(err) }, "could not send the alert counts to the fleet object");
  }
}

/**
 * Feeds one reporter event to the alert trackers and queues a prompt notification. Failures are
 * logged and not raised, so an alerting fault never drops the event for browsers.
 */
export async function onAlertEvent(parts: InstanceParts, event: ProtocolEvent, now: number): Promise<void> {
  try {
    await parts.alerts.onEvent(event, now);
    const notification = promptNotification(event, parts.instanceId, parts.name);
    if (notification !== null && (await hasPromptChannel(parts.env))) {
      await parts.outbox.enqueue(notification, now);
    }
  } catch (err) {
    log.error({ instanceId: parts.instanceId, eventKind: event.kind, err: errorFields(err) }, "alert evaluation failed for an event");
  }
}

/** Feeds the stored snapshot to the alert trackers and re-judges; failures are logged and not raised. */
export async function onAlertSnapshot(parts: InstanceParts, now: number): Promise<void> {
  try {
    await parts.alerts.onSnapshot(now);
  } catch (err) {
    log.error({ instanceId: parts.instanceId, err: errorFields(err) }, "alert evaluation failed for a snapshot");
  }
}

/** Re-judges the alerts, logging instead of raising, for callers that must carry on (socket close, snapshot). */
export async function evaluateAlerts(parts: InstanceParts, now: number, cause: string): Promise<void> {
  try {
    await parts.alerts.evaluate(now);
  } catch (err) {
    log.error({ instanceId: parts.instanceId, cause, err: errorFields(err) }, "alert evaluation failed");
  }
}

/** Runs the alerts or notify deadline; returns false for keys this module does not own. */
export async function runAlertDeadline(parts: InstanceParts, key: string, now: number): Promise<boolean> {
  if (key === ALERTS_DEADLINE_KEY) {
    await parts.alerts.evaluate(now);
    return true;
  }
  if (key === AUTO_STOP_DEADLINE_KEY) {
    await parts.autoStop.run(now, (url, init) => fetch(url, init));
    return true;
  }
  if (key === NOTIFY_DEADLINE_KEY) {
    const pass = await parts.outbox.deliverDue(now, () => loadChannels(parts.env), (url, init) => fetch(url, init));
    log.debug({ instanceId: parts.instanceId, ...pass }, "notification pass done");
    return true;
  }
  return false;
}
