import { alertListSchema, alertSchema, alertSettingsSchema, alertSummarySchema, autoStopStatusSchema, notifyChannelListSchema, notifyChannelViewSchema } from "@comfycarry/shared";
import { z } from "zod";

import { requestEmpty, requestJson } from "./client";

import type { AlertSettings, notifyChannelConfigSchema } from "@comfycarry/shared";

/** A channel as the form sends it; the edge fills in defaults such as `enabled`. */
export type NotifyChannelConfigInput = z.input<typeof notifyChannelConfigSchema>;

// Alert, notification channel and auto-stop routes of the edge; bodies are parsed with the
// schemas in shared/src/alerts.ts.

const encode = encodeURIComponent;

/** Lists the alerts of every instance, newest first. */
export function fetchAlerts(state: "active" | "all", limit = 200) {
  return requestJson("GET", `/api/alerts?state=${state}&limit=${limit}`, alertListSchema);
}

/** Reads the active alert counts per instance, which the fleet object keeps; cheap enough to poll. */
export function fetchAlertSummary() {
  return requestJson("GET", "/api/alerts/summary", alertSummarySchema);
}

/** Marks one alert acknowledged; the edge returns it updated. */
export function acknowledgeAlert(instanceId: string, alertId: string) {
  return requestJson("POST", `/api/instances/${encode(instanceId)}/alerts/${encode(alertId)}/ack`, alertSchema);
}

const channelTestSchema = z.object({ ok: z.boolean(), problem: z.string().nullable() });

/** Lists the notification channels without their URLs or tokens. */
export function fetchChannels() {
  return requestJson("GET", "/api/notify/channels", notifyChannelListSchema);
}

/** Adds a channel; the edge stores its settings encrypted and returns it without them. */
export function createChannel(config: NotifyChannelConfigInput) {
  return requestJson("POST", "/api/notify/channels", notifyChannelViewSchema, { body: config });
}

export function deleteChannel(channelId: string) {
  return requestEmpty("DELETE", `/api/notify/channels/${encode(channelId)}`);
}

/** Sends one test message now, without retries. */
export function testChannel(channelId: string) {
  return requestJson("POST", `/api/notify/channels/${encode(channelId)}/test`, channelTestSchema);
}

/** Reads an instance's alert settings (idle alert, price, auto-stop grace). */
export function fetchAlertSettings(instanceId: string) {
  return requestJson("GET", `/api/instances/${encode(instanceId)}/alert-settings`, alertSettingsSchema);
}

export function saveAlertSettings(instanceId: string, settings: AlertSettings) {
  return requestJson("PUT", `/api/instances/${encode(instanceId)}/alert-settings`, alertSettingsSchema, { body: settings });
}

/** Reads the instance's auto-stop status. */
export function fetchAutoStop(instanceId: string) {
  return requestJson("GET", `/api/instances/${encode(instanceId)}/auto-stop`, autoStopStatusSchema);
}
