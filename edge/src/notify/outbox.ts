/**
 * @module Notification delivery for one instance, kept in its object's SQLite. A notification is
 * queued once. Delivery fans it out to one row per enabled channel whose topics match, and sends
 * each row until the channel accepts it or MAX_ATTEMPTS pass. Rows of sent
 * messages stay for SENT_RETENTION_MS so the same notification id is not sent twice, e.g. when
 * the reporter sends an event again after reconnecting. A receiver that stored a message but
 * whose answer was lost gets it again on the next attempt.
 */
import { notificationSchema } from "@comfycarry/shared";
import type { Notification } from "@comfycarry/shared";
import { z } from "zod";

import { errorFields, log } from "../log.js";
import type { DeadlineScheduler } from "../instance/scheduler.js";
import type { StoredChannel } from "./channels.js";
import { buildRequest, judgeResponse } from "./format.js";

export const NOTIFY_DEADLINE_KEY = "notify";

/** Wait before each retry, in ms; the attempt after the last entry is the final one. */
export const RETRY_DELAYS_MS = [10_000, 30_000, 120_000, 600_000, 1_800_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const SENT_RETENTION_MS = 7 * 24 * 3_600_000;
/** Time a channel has to respond to one request. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Wait before trying again when the channel list could not be read. */
const CHANNELS_RETRY_MS = 60_000;

const queueRowSchema = z.object({ notification_id: z.string(), payload: z.string() });
const deliveryRowSchema = z.object({ notification_id: z.string(), channel_id: z.string(), attempts: z.number(), payload: z.string() });
const nextRowSchema = z.object({ next_at: z.number().nullable() });

export type Fetcher = (url: string, init: RequestInit) => Promise<Response>;
export type ChannelSource = () => Promise<StoredChannel[]>;

/** Outcome counts of one delivery pass, for logs and tests. */
export type DeliveryPass = { sent: number; retrying: number; failed: number };

export class NotifyOutbox {
  /** The pass running now; a second request waits for it and then runs once more. */
  private running: Promise<DeliveryPass> | null = null;

  constructor(
    private readonly instanceId: string,
    private readonly sql: SqlStorage,
    private readonly scheduler: DeadlineScheduler,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS notify_queue (notification_id TEXT PRIMARY KEY, payload TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS notify_deliveries (
      notification_id TEXT NOT NULL, channel_id TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL,
      next_at INTEGER NOT NULL, state TEXT NOT NULL, last_error TEXT, PRIMARY KEY (notification_id, channel_id))`);
  }

  /** Queues a notification and wakes the object now to send it. */
  async enqueue(notification: Notification, now: number): Promise<void> {
    this.sql.exec("INSERT OR IGNORE INTO notify_queue (notification_id, payload) VALUES (?, ?)", notification.id, JSON.stringify(notification));
    await this.scheduler.scheduleNoLaterThan(NOTIFY_DEADLINE_KEY, now);
  }

  /** Sends what is due at `now` and schedules the next retry. */
  async deliverDue(now: number, channels: ChannelSource, fetcher: Fetcher): Promise<DeliveryPass> {
    while (this.running !== null) {
      await this.running;
    }
    const pass = this.runPass(now, channels, fetcher);
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = null;
    }
  }

  /** Moves pending delivery times `ms` into the past; the test clock. */
  rewind(ms: number): void {
    this.sql.exec("UPDATE notify_deliveries SET next_at = next_at - ?", ms);
  }

  private async runPass(now: number, source: ChannelSource, fetcher: Fetcher): Promise<DeliveryPass> {
    const pass: DeliveryPass = { sent: 0, retrying: 0, failed: 0 };
    this.sql.exec("DELETE FROM notify_deliveries WHERE state != 'pending' AND next_at < ?", now - SENT_RETENTION_MS);

    let channels: StoredChannel[];
    try {
      channels = await source();
    } catch (err) {
      log.error({ instanceId: this.instanceId, err: errorFields(err) }, "could not read notification channels; retrying later");
      await this.scheduler.schedule(NOTIFY_DEADLINE_KEY, now + CHANNELS_RETRY_MS);
      return pass;
    }

    this.fanOut(channels, now);
    const due = this.sql.exec("SELECT notification_id, channel_id, attempts, payload FROM notify_deliveries WHERE state = 'pending' AND next_at <= ?", now).toArray().map((row) => deliveryRowSchema.parse(row));
    for (const row of due) {
      const channel = channels.find((candidate) => candidate.id === row.channel_id);
      if (channel === undefined) {
        this.sql.exec("DELETE FROM notify_deliveries WHERE notification_id = ? AND channel_id = ?", row.notification_id, row.channel_id);
        continue;
      }
      const outcome = await this.send(channel, notificationSchema.parse(JSON.parse(row.payload)), row.attempts + 1, now, fetcher);
      pass[outcome] += 1;
    }

    await this.scheduleNext();
    return pass;
  }

  /** Turns queued notifications into one delivery row per matching channel. */
  private fanOut(channels: StoredChannel[], now: number): void {
    const queued = this.sql.exec("SELECT notification_id, payload FROM notify_queue").toArray().map((row) => queueRowSchema.parse(row));
    for (const row of queued) {
      const notification = notificationSchema.parse(JSON.parse(row.payload));
      const topic = notification.topic.startsWith("alert.") ? "alerts" : "prompts";
      for (const channel of channels) {
        if (channel.config.enabled && channel.config.topics[topic]) {
          this.sql.exec(
            "INSERT OR IGNORE INTO notify_deliveries (notification_id, channel_id, payload, attempts, next_at, state) VALUES (?, ?, ?, 0, ?, 'pending')",
            row.notification_id,
            channel.id,
            row.payload,
            now,
          );
        }
      }
      this.sql.exec("DELETE FROM notify_queue WHERE notification_id = ?", row.notification_id);
    }
  }

  private async send(channel: StoredChannel, notification: Notification, attempt: number, now: number, fetcher: Fetcher): Promise<keyof DeliveryPass> {
    const fields = { instanceId: this.instanceId, notificationId: notification.id, channelId: channel.id, channelKind: channel.config.kind, attempt };
    let problem: string | null;
    let url: string | null = null;
    try {
      const request = await buildRequest(channel.config, notification, now);
      url = request.url;
      const response = await fetcher(request.url, { method: "POST", headers: request.headers, body: request.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      problem = judgeResponse(channel.config.kind, response.status, await response.text());
    } catch (err) {
      // The URL carries the channel's key or token, so it is cut out of the message before logging.
      const message = errorFields(err).message;
      problem = url === null ? message : message.split(url).join("<channel URL>");
    }

    const key = [notification.id, channel.id] as const;
    if (problem === null) {
      this.sql.exec("UPDATE notify_deliveries SET state = 'sent', attempts = ?, next_at = ?, last_error = NULL WHERE notification_id = ? AND channel_id = ?", attempt, now, ...key);
      log.info(fields, "notification sent");
      return "sent";
    }
    const delay = RETRY_DELAYS_MS[attempt - 1];
    if (delay === undefined) {
      this.sql.exec("UPDATE notify_deliveries SET state = 'failed', attempts = ?, next_at = ?, last_error = ? WHERE notification_id = ? AND channel_id = ?", attempt, now, problem, ...key);
      log.error({ ...fields, problem }, "notification failed; giving up");
      return "failed";
    }
    this.sql.exec("UPDATE notify_deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE notification_id = ? AND channel_id = ?", attempt, now + delay, problem, ...key);
    log.warn({ ...fields, problem, retryInMs: delay }, "notification not accepted; retrying");
    return "retrying";
  }

  private async scheduleNext(): Promise<void> {
    const [row] = this.sql.exec("SELECT MIN(next_at) AS next_at FROM notify_deliveries WHERE state = 'pending'").toArray().map((raw) => nextRowSchema.parse(raw));
    if (row !== undefined && row.next_at !== null) {
      await this.scheduler.schedule(NOTIFY_DEADLINE_KEY, row.next_at);
    }
  }
}
