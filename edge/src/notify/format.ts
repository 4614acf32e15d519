/**
 * @module Shapes a notification into each channel's documented request, and judges each
 * channel's response. Bots that return HTTP 200 with an error code in the body (WeCom, DingTalk,
 * Feishu, ServerChan, Telegram) are judged by that code.
 */
import type { Notification, NotifyChannelConfig } from "@comfycarry/shared";
import { z } from "zod";

import { dingtalkSign, feishuSign } from "./sign.js";

export type ChannelRequest = { url: string; body: string; headers: Record<string, string> };

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8" };

/** Discord embed colours by severity. */
const DISCORD_COLORS = { info: 0x2e7d32, warning: 0xf9a825, critical: 0xc62828 } as const;

function plainText(notification: Notification, zh: boolean): string {
  return zh ? `【${notification.title_zh}】\n${notification.text_zh}` : `${notification.title}\n${notification.text}`;
}

/** Returns the ServerChan endpoint: SendKeys of ServerChan³ (`sctp<n>t…`) have their own host. */
export function serverchanUrl(sendkey: string, baseUrl: string): string {
  const sc3 = /^sctp(\d+)t/.exec(sendkey);
  const defaultBase = baseUrl === "https://sctapi.ftqq.com";
  if (sc3 !== null && defaultBase) {
    return `https://${sc3[1]}.push.ft07.com/send/${sendkey}.send`;
  }
  return `${baseUrl.replace(/\/+$/, "")}/${sendkey}.send`;
}

/** Builds the HTTP POST for `channel`; `now` (epoch ms) is the signing time. */
export async function buildRequest(channel: NotifyChannelConfig, notification: Notification, now: number): Promise<ChannelRequest> {
  switch (channel.kind) {
    case "webhook":
      return { url: channel.url, headers: { ...JSON_HEADERS, "X-ComfyCarry-Event": notification.topic }, body: JSON.stringify(notification) };

    case "wecom":
      return {
        url: channel.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ msgtype: "markdown", markdown: { content: `**${notification.title_zh}**\n> ${notification.text_zh}` } }),
      };

    case "dingtalk": {
      const body = JSON.stringify({ msgtype: "markdown", markdown: { title: notification.title_zh, text: `#### ${notification.title_zh}\n\n${notification.text_zh}` } });
      if (channel.secret === null) {
        return { url: channel.url, headers: JSON_HEADERS, body };
      }
      const url = new URL(channel.url);
      url.searchParams.set("timestamp", String(now));
      url.searchParams.set("sign", await dingtalkSign(channel.secret, now));
      return { url: url.toString(), headers: JSON_HEADERS, body };
    }

    case "feishu": {
      const message = { msg_type: "text", content: { text: plainText(notification, true) } };
      if (channel.secret === null) {
        return { url: channel.url, headers: JSON_HEADERS, body: JSON.stringify(message) };
      }
      const timestamp = Math.floor(now / 1000);
      const sign = await feishuSign(channel.secret, timestamp);
      return { url: channel.url, headers: JSON_HEADERS, body: JSON.stringify({ timestamp: String(timestamp), sign, ...message }) };
    }

    case "serverchan":
      return {
        url: serverchanUrl(channel.sendkey, channel.base_url),
        headers: JSON_HEADERS,
        body: JSON.stringify({ title: notification.title_zh, desp: notification.text_zh, short: notification.text_zh.slice(0, 64) }),
      };

    case "discord":
      return {
        url: channel.url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          content: notification.title,
          embeds: [{ title: notification.title, description: notification.text, color: DISCORD_COLORS[notification.severity], timestamp: notification.at }],
          allowed_mentions: { parse: [] },
        }),
      };

    case "telegram":
      return {
        url: `${channel.base_url.replace(/\/+$/, "")}/bot${channel.bot_token}/sendMessage`,
        headers: JSON_HEADERS,
        body: JSON.stringify({ chat_id: channel.chat_id, text: plainText(notification, false), disable_web_page_preview: true }),
      };
  }
}

const jsonText = z.string().transform((text, ctx) => {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed;
  } catch {
    ctx.addIssue({ code: "custom", message: "not JSON" });
    return z.NEVER;
  }
});

/** Reads a numeric field of a JSON body, or null when the body is not JSON or lacks it. */
function numberField(text: string, field: string): number | null {
  const parsed = jsonText.pipe(z.object({ [field]: z.number() })).safeParse(text);
  return parsed.success ? (parsed.data[field] ?? null) : null;
}

/** Returns null when the channel accepted the message, or why it did not. */
export function judgeResponse(kind: NotifyChannelConfig["kind"], status: number, text: string): string | null {
  if (status < 200 || status > 299) {
    return `HTTP ${status}`;
  }
  const codeField = { wecom: "errcode", dingtalk: "errcode", feishu: "code", serverchan: "code" } as const;
  if (kind === "wecom" || kind === "dingtalk" || kind === "feishu" || kind === "serverchan") {
    const code = numberField(text, codeField[kind]);
    return code === null || code === 0 ? null : `${codeField[kind]} ${code}`;
  }
  if (kind === "telegram") {
    const parsed = jsonText.pipe(z.object({ ok: z.literal(true) })).safeParse(text);
    return parsed.success ? null : "Telegram did not return ok: true";
  }
  return null;
}
