import type { TunnelStatus, TunnelView } from "@comfycarry/shared";

/** Naive UI tag type of each tunnel status. */
export function statusTagType(status: TunnelStatus): "success" | "warning" | "error" | "default" {
  switch (status) {
    case "online":
      return "success";
    case "connecting":
      return "warning";
    case "offline":
    case "misconfigured":
    case "rate_limited":
      return "error";
    case "stopped":
      return "default";
  }
}

/** Returns which of start, stop and restart make sense for the current view. */
export function availableActions(view: TunnelView | null): { start: boolean; stop: boolean; restart: boolean } {
  if (view === null || view.mode === null) {
    return { start: false, stop: false, restart: false };
  }
  return { start: !view.enabled, stop: view.enabled, restart: view.enabled };
}

/** Only http(s) links are shown as links, so a bad value from the instance cannot become a script URL. */
export function isWebUrl(url: string): boolean {
  try {
    const protocol = new URL(url).protocol;
    return protocol === "https:" || protocol === "http:";
  } catch {
    return false;
  }
}

/** A DNS label as the reporter accepts it for a service name. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
