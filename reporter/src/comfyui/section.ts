import type { ComfyuiSection } from "@comfycarry/shared";

import type { PromptView } from "./bridge.js";
import type { ComfyuiHealth } from "./monitor.js";

/** Builds the overview's `comfyui` section from the monitor's health and the bridge's prompt view. */
export function comfyuiSection(health: ComfyuiHealth, prompts: PromptView, url: string): ComfyuiSection {
  const current = prompts.current;
  return {
    ...health,
    url,
    queue_pending: prompts.queue_pending,
    queue_running: prompts.queue_running,
    current_node: current?.node_class ?? null,
    progress: current?.progress ?? null,
    current,
    last_activity_at: prompts.last_activity_at,
  };
}
