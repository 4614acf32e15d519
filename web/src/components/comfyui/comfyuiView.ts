import type { Level } from "../../lib/levels";
import type { ComfyuiProcessResult, ComfyuiState, LaunchOptions } from "@comfycarry/shared";

// How ComfyUI's process reads on the ComfyUI and Plugins pages.

/** The four states the page names. */
export type ProcessState = "online" | "starting" | "offline" | "crashLooping";

/**
 * Combines PM2's view (`comfyui.status`) with the live snapshot's: PM2 restarting or giving
 * up, or the reporter seeing a crash, is a crash loop; a running process that does not
 * respond yet is starting.
 */
export function processState(process: ComfyuiProcessResult | null, live: ComfyuiState | null): ProcessState {
  if (process?.status === "errored" || process?.status === "waiting restart" || live === "crashed") {
    return "crashLooping";
  }
  if (process?.online === true || (process === null && live === "online")) {
    return "online";
  }
  if (process?.status === "launching" || process?.status === "online" || live === "starting") {
    return "starting";
  }
  return "offline";
}

/** The colour of each state. */
export const PROCESS_LEVEL: Record<ProcessState, Level> = { online: "green", starting: "amber", offline: "red", crashLooping: "red" };

/** The `--fast` choices the form offers, "all" being the bare flag. */
export const FAST_CHOICES = ["all", "fp16_accumulation", "fp8_matrix_mult", "cublas_ops", "autotune"] as const;
type FastChoice = (typeof FAST_CHOICES)[number];

/** Converts the `fast` option to the form's multi-select value. */
export function fastToChoices(fast: LaunchOptions["fast"]): FastChoice[] {
  if (fast === true) {
    return ["all"];
  }
  return fast === false ? [] : [...fast];
}

/** Converts the form's selection to the `fast` option: nothing is off, and "all" wins over single ones. */
export function choicesToFast(choices: readonly string[]): LaunchOptions["fast"] {
  if (choices.includes("all")) {
    return true;
  }
  const picked = FAST_CHOICES.filter((choice): choice is Exclude<FastChoice, "all"> => choice !== "all" && choices.includes(choice));
  return picked.length === 0 ? false : picked;
}

/** Whether ComfyUI would listen beyond this machine: anything but 127.0.0.1. */
export function listensBeyondLocalhost(listen: string): boolean {
  return listen.trim() !== "127.0.0.1";
}
