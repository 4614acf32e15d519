/**
 * @module `/api/notify/channels`: the owner's notification channels. Listing returns each
 * channel without its URL or token. A channel's settings are secrets, so every route here,
 * listing included, needs the `admin` scope.
 */
import { ComfyCarryError, notifyChannelConfigSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { Notification } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { recordAudit } from "../audit/record.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { loadChannels, saveChannels, viewChannel } from "../notify/channels.js";
import type { StoredChannel } from "../notify/channels.js";
import { buildRequest, judgeResponse } from "../notify/format.js";

function findChannel(channels: StoredChannel[], channelId: string): StoredChannel {
  const channel = channels.find((candidate) => candidate.id === channelId);
  if (channel === undefined) {
    throw new ComfyCarryError("not_found", `no notification channel with id ${JSON.stringify(channelId.slice(0, 64))}`);
  }
  return channel;
}

function testNotification(): Notification {
  return {
    id: `test:${crypto.randomUUID()}`,
    topic: "alert.raised",
    instance_id: "test",
    instance_name: "ComfyCarry",
    severity: "info",
    title: "ComfyCarry test message",
    text: "This channel works.",
    title_zh: "ComfyCarry 测试消息",
    text_zh: "此通知渠道工作正常。",
    at: toUtcTimestamp(),
    rule: null,
    prompt_id: null,
  };
}

export const notifyRoutes = new Hono<AppEnv>()
  .get("/channels", requireScope("admin"), async (c) => {
    const channels = await loadChannels(c.env);
    return c.json({ channels: channels.map(viewChannel) });
  })

  .post("/channels", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const config = await readBody(c, notifyChannelConfigSchema);
    const channel: StoredChannel = { id: crypto.randomUUID(), config };
    await saveChannels(c.env, [...(await loadChannels(c.env)), channel]);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "notify.channel_create", args: { id: channel.id, kind: config.kind, name: config.name }, result: "ok" });
    return c.json(viewChannel(channel), 201);
  })

  .put("/channels/:channelId", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const config = await readBody(c, notifyChannelConfigSchema);
    const channels = await loadChannels(c.env);
    const existing = findChannel(channels, c.req.param("channelId"));
    const replaced: StoredChannel = { id: existing.id, config };
    await saveChannels(c.env, channels.map((channel) => (channel.id === existing.id ? replaced : channel)));
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "notify.channel_update", args: { id: existing.id, kind: config.kind, name: config.name }, result: "ok" });
    return c.json(viewChannel(replaced));
  })

  .delete("/channels/:channelId", requireScope("admin"), async (c) => {
    const channels = await loadChannels(c.env);
    const existing = findChannel(channels, c.req.param("channelId"));
    await saveChannels(c.env, channels.filter((channel) => channel.id !== existing.id));
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "notify.channel_remove", args: { id: existing.id }, result: "ok" });
    return c.body(null, 204);
  })

  // Sends one message now, without retries, so the owner sees at once whether the settings work.
  .post("/channels/:channelId/test", requireScope("admin"), async (c) => {
    const channel = findChannel(await loadChannels(c.env), c.req.param("channelId"));
    const request = await buildRequest(channel.config, testNotification(), Date.now());
    let problem: string | null;
    try {
      const response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body, signal: AbortSignal.timeout(10_000) });
      problem = judgeResponse(channel.config.kind, response.status, await response.text());
    } catch (err) {
      problem = err instanceof Error ? err.name : "request failed";
    }
    return c.json({ ok: problem === null, problem });
  });
