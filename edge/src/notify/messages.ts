/**
 * @module Builds notifications from alert changes and prompt outcomes, in English and Simplified
 * Chinese. Texts use only alert params, names and ids, which never carry a secret.
 */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { Alert, AlertParams, Notification, ProtocolEvent } from "@comfycarry/shared";

type Texts = { en: string; zh: string };

function str(params: AlertParams, key: string): string {
  const value = params[key];
  return value === undefined || value === null ? "?" : String(value);
}

/** Describes an alert's condition in both languages. */
export function describeAlert(alert: Pick<Alert, "rule" | "params">): Texts {
  const p = alert.params;
  switch (alert.rule) {
    case "comfyui_down":
      return { en: `ComfyUI is ${str(p, "state")} for more than 30 s`, zh: `ComfyUI 已停止超过 30 秒（${str(p, "state")}）` };
    case "crash_loop":
      return { en: `${str(p, "service")} keeps crashing (${str(p, "restarts")} restarts in 5 min)`, zh: `${str(p, "service")} 反复崩溃（5 分钟内重启 ${str(p, "restarts")} 次）` };
    case "disk_usage":
      return { en: `Disk ${str(p, "percent")} % full (${str(p, "path")})`, zh: `磁盘已用 ${str(p, "percent")} %（${str(p, "path")}）` };
    case "vram_usage":
      return { en: `GPU ${str(p, "gpu")} memory ${str(p, "percent")} % used`, zh: `GPU ${str(p, "gpu")} 显存已用 ${str(p, "percent")} %` };
    case "gpu_temperature":
      return { en: `GPU ${str(p, "gpu")} at ${str(p, "temperature_c")} °C`, zh: `GPU ${str(p, "gpu")} 温度 ${str(p, "temperature_c")} °C` };
    case "gpu_lost":
      return { en: "GPU lost (Failed to initialize NVML): restart the container", zh: "GPU 丢失（Failed to initialize NVML）：请重启容器" };
    case "sync_failing":
      return { en: `Sync rule ${str(p, "rule_name")} failed ${str(p, "failures")} times in a row`, zh: `同步规则 ${str(p, "rule_name")} 连续失败 ${str(p, "failures")} 次` };
    case "download_failed":
      return { en: `Download failed: ${str(p, "file_name")}`, zh: `下载失败：${str(p, "file_name")}` };
    case "instance_offline":
      return { en: "Instance offline for more than 2 minutes", zh: "实例离线超过 2 分钟" };
    case "gpu_idle": {
      const spent = p.spent === null || p.spent === undefined ? "" : ` ${str(p, "spent")} ${str(p, "currency")}`;
      return {
        en: `GPU idle for ${str(p, "idle_minutes")} min${spent === "" ? "" : `,${spent} spent since`}`,
        zh: `GPU 已空闲 ${str(p, "idle_minutes")} 分钟${spent === "" ? "" : `，期间花费${spent}`}`,
      };
    }
  }
}

/** Builds the notification for a raised or cleared alert; its id makes each change unique. */
export function alertNotification(alert: Alert, change: "raised" | "cleared", instanceName: string, now: number): Notification {
  const texts = describeAlert(alert);
  const raised = change === "raised";
  return {
    id: `alert:${alert.id}:${change}`,
    topic: raised ? "alert.raised" : "alert.cleared",
    instance_id: alert.instance_id,
    instance_name: instanceName,
    severity: raised ? alert.severity : "info",
    title: `${raised ? "Alert" : "Resolved"}: ${instanceName}`,
    text: texts.en,
    title_zh: `${raised ? "告警" : "已恢复"}：${instanceName}`,
    text_zh: texts.zh,
    at: toUtcTimestamp(new Date(now)),
    rule: alert.rule,
    prompt_id: null,
  };
}

/** Builds the notification for a finished or failed prompt, or null for other events. */
export function promptNotification(event: ProtocolEvent, instanceId: string, instanceName: string): Notification | null {
  if (event.kind !== "comfyui.execution_success" && event.kind !== "comfyui.execution_error") {
    return null;
  }
  const finished = event.kind === "comfyui.execution_success";
  const shortId = event.prompt_id.slice(0, 8);
  const seconds = finished && event.duration_ms !== null ? ` in ${Math.round(event.duration_ms / 1000)} s` : "";
  const secondsZh = finished && event.duration_ms !== null ? `，用时 ${Math.round(event.duration_ms / 1000)} 秒` : "";
  const error = finished ? "" : `: ${event.exception_type}`;
  return {
    id: `prompt:${event.prompt_id}:${finished ? "finished" : "failed"}`,
    topic: finished ? "prompt.finished" : "prompt.failed",
    instance_id: instanceId,
    instance_name: instanceName,
    severity: finished ? "info" : "warning",
    title: `Prompt ${finished ? "finished" : "failed"}: ${instanceName}`,
    text: `Prompt ${shortId} ${finished ? "finished" : "failed"}${seconds}${error}`,
    title_zh: `任务${finished ? "完成" : "失败"}：${instanceName}`,
    text_zh: `任务 ${shortId} ${finished ? "已完成" : "失败"}${secondsZh}${error}`,
    at: event.at,
    rule: null,
    prompt_id: event.prompt_id,
  };
}
