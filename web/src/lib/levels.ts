import type { ComfyuiState } from "@comfycarry/shared";

/** A status colour: green is normal, amber needs attention, red is abnormal, neutral has no verdict. */
export type Level = "green" | "amber" | "red" | "neutral";

// Every threshold applies to the number as the page shows it, rounded to a whole unit,
// so the colour never disagrees with the figure beside it: 59.6 % shows "60%" and is amber.

/**
 * Colours a capacity bar (VRAM, memory, disk) by its rounded percentage:
 * 0–59 green, 60–85 amber, 86 and above red.
 */
export function capacityLevel(percent: number | null): Level {
  if (percent === null || !Number.isFinite(percent)) {
    return "neutral";
  }

  const shown = Math.round(percent);
  if (shown > 85) {
    return "red";
  }
  return shown >= 60 ? "amber" : "green";
}

/**
 * Colours a GPU card by its rounded temperature in °C:
 * up to 69 normal (green), 70–85 amber, 86 and above red.
 */
export function temperatureLevel(celsius: number | null): Level {
  if (celsius === null || !Number.isFinite(celsius)) {
    return "neutral";
  }

  const shown = Math.round(celsius);
  if (shown > 85) {
    return "red";
  }
  return shown >= 70 ? "amber" : "green";
}

/** Returns used/total as a percentage, or null when the total is unknown or zero. */
export function usedPercent(used: number | null, total: number | null): number | null {
  if (used === null || total === null || total <= 0) {
    return null;
  }
  return Math.min(100, Math.max(0, (used / total) * 100));
}

/** Colours the ComfyUI badge: online green, starting amber, offline or crashed red. */
export function comfyuiLevel(state: ComfyuiState): Level {
  switch (state) {
    case "online":
      return "green";
    case "starting":
      return "amber";
    case "offline":
    case "crashed":
      return "red";
  }
}

/** The queue badge's state; a backlog is more than this many prompts waiting. */
export const QUEUE_BACKLOG_ABOVE = 5;

/** Returns the queue label: idle, running, or backlog when more than five prompts wait. */
export function queueState(running: number, pending: number): "idle" | "running" | "backlog" {
  if (pending > QUEUE_BACKLOG_ABOVE) {
    return "backlog";
  }
  return running + pending > 0 ? "running" : "idle";
}

/** Colours the queue badge: idle green, running amber, backlog red. */
export function queueLevel(running: number, pending: number): Level {
  const state = queueState(running, pending);
  if (state === "idle") {
    return "green";
  }
  return state === "running" ? "amber" : "red";
}
