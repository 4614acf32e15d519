// Each bot's request is checked against the message shape its vendor documents (WeCom group
// robot, Feishu custom bot, DingTalk custom robot, ServerChan Turbo, Discord webhook, Telegram
// sendMessage), and signatures against values computed independently with Python's hmac module.
import type { Notification, NotifyChannelConfig } from "@comfycarry/shared";
import { notifyChannelConfigSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { buildRequest, judgeResponse, serverchanUrl } from "../src/notify/format.js";
import { dingtalkSign, feishuSign } from "../src/notify/sign.js";

const NOW = 1_700_000_000_000;

const notification: Notification = {
  id: "alert:abc:raised",
  topic: "alert.raised",
  instance_id: "studio",
  instance_name: "studio",
  severity: "warning",
  title: "Alert: studio",
  text: "Disk 91 % full (/workspace)",
  title_zh: "告警：studio",
  text_zh: "磁盘已用 91 %（/workspace）",
  at: "2026-12-04T10:00:00.000Z",
  rule: "disk_usage",
  prompt_id: null,
};

const topics = { alerts: true, prompts: true };

function channel(input: Record<string, unknown>): NotifyChannelConfig {
  return notifyChannelConfigSchema.parse({ name: "test", topics, ...input });
}

async function bodyFor(config: NotifyChannelConfig): Promise<{ url: string; body: unknown }> {
  const request = await buildRequest(config, notification, NOW);
  return { url: request.url, body: JSON.parse(request.body) };
}

describe("channel signatures", () => {
  it("signs DingTalk like its documented example", async () => {
    expect(await dingtalkSign("SECtestsecret0123456789", NOW)).toBe("zrLWzK97t62y5CpqN8Ok9UIdPvX+jL1PNoW8nKT5a9k=");
  });

  it("signs Feishu like its documented example", async () => {
    expect(await feishuSign("feishusecret", NOW / 1000)).toBe("5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU=");
  });
});

describe("channel formats", () => {
  it("posts the notification itself to a generic webhook", async () => {
    const { url, body } = await bodyFor(channel({ kind: "webhook", url: "http://127.0.0.1:9/hook" }));
    expect(url).toBe("http://127.0.0.1:9/hook");
    expect(body).toEqual(notification);
  });

  it("sends WeCom a markdown message in Chinese", async () => {
    const { body } = await bodyFor(channel({ kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" }));
    expect(body).toEqual({ msgtype: "markdown", markdown: { content: "**告警：studio**\n> 磁盘已用 91 %（/workspace）" } });
  });

  it("sends Feishu a signed text message", async () => {
    const { body } = await bodyFor(channel({ kind: "feishu", url: "https://open.feishu.cn/open-apis/bot/v2/hook/x", secret: "feishusecret" }));
    expect(body).toEqual({
      timestamp: "1700000000",
      sign: "5Wc8F8b2vZlNjoVFpK6BAaovMobglP4Rm1FzmEq/rCU=",
      msg_type: "text",
      content: { text: "【告警：studio】\n磁盘已用 91 %（/workspace）" },
    });
  });

  it("sends Feishu no signature without a secret", async () => {
    const { body } = await bodyFor(channel({ kind: "feishu", url: "https://open.feishu.cn/open-apis/bot/v2/hook/x" }));
    expect(body).not.toHaveProperty("sign");
  });

  it("puts the DingTalk signature in the URL", async () => {
    const { url, body } = await bodyFor(channel({ kind: "dingtalk", url: "https://oapi.dingtalk.com/robot/send?access_token=t", secret: "SECtestsecret0123456789" }));
    const parsed = new URL(url);
    expect(parsed.searchParams.get("access_token")).toBe("t");
    expect(parsed.searchParams.get("timestamp")).toBe(String(NOW));
    expect(parsed.searchParams.get("sign")).toBe("zrLWzK97t62y5CpqN8Ok9UIdPvX+jL1PNoW8nKT5a9k=");
    expect(url).toContain("sign=zrLWzK97t62y5CpqN8Ok9UIdPvX%2BjL1PNoW8nKT5a9k%3D");
    expect(body).toEqual({ msgtype: "markdown", markdown: { title: "告警：studio", text: "#### 告警：studio\n\n磁盘已用 91 %（/workspace）" } });
  });

  it("posts ServerChan a title and desp", async () => {
    const { url, body } = await bodyFor(channel({ kind: "serverchan", sendkey: "SCT12345abc" }));
    expect(url).toBe("https://sctapi.ftqq.com/SCT12345abc.send");
    expect(body).toMatchObject({ title: "告警：studio", desp: "磁盘已用 91 %（/workspace）" });
  });

  it("routes ServerChan³ keys to their own host", () => {
    expect(serverchanUrl("sctp42tABCDEF", "https://sctapi.ftqq.com")).toBe("https://42.push.ft07.com/send/sctp42tABCDEF.send");
  });

  it("sends Discord an embed without mentions", async () => {
    const { body } = await bodyFor(channel({ kind: "discord", url: "https://discord.com/api/webhooks/1/x" }));
    expect(body).toMatchObject({ content: "Alert: studio", embeds: [{ title: "Alert: studio", description: "Disk 91 % full (/workspace)" }], allowed_mentions: { parse: [] } });
  });

  it("calls Telegram sendMessage with the chat id", async () => {
    const { url, body } = await bodyFor(channel({ kind: "telegram", bot_token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", chat_id: "-1001234" }));
    expect(url).toBe("https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ/sendMessage");
    expect(body).toMatchObject({ chat_id: "-1001234", text: "Alert: studio\nDisk 91 % full (/workspace)" });
  });
});

describe("channel responses", () => {
  it("treats HTTP 500 as not accepted", () => {
    expect(judgeResponse("webhook", 500, "")).toBe("HTTP 500");
  });

  it("reads the WeCom errcode", () => {
    expect(judgeResponse("wecom", 200, JSON.stringify({ errcode: 93000, errmsg: "invalid webhook url" }))).toBe("errcode 93000");
  });

  it("accepts a Feishu code 0", () => {
    expect(judgeResponse("feishu", 200, JSON.stringify({ code: 0, msg: "success", data: {} }))).toBeNull();
  });

  it("rejects Telegram ok false", () => {
    expect(judgeResponse("telegram", 200, JSON.stringify({ ok: false, description: "chat not found" }))).not.toBeNull();
  });

  it("accepts Discord 204", () => {
    expect(judgeResponse("discord", 204, "")).toBeNull();
  });
});
