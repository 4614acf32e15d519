import { PROMPT_LOST_EXCEPTION } from "@comfycarry/shared";

import { frameDataSchemas } from "./schemas.js";
import type { HistoryEntry } from "./schemas.js";

/** Outcome of a prompt, from its terminal frame or its /history entry. */
export type Terminal =
  | { kind: "success"; timestamp: number | null }
  | { kind: "error"; node: string | null; nodeType: string | null; exceptionType: string; exceptionMessage: string }
  | { kind: "interrupted"; node: string | null; nodeType: string | null };

/** Reads the outcome from `status.messages`: the last success, error or interrupted message decides. */
export function terminalFromHistory(entry: HistoryEntry | null): Terminal {
  if (entry === null) {
    return {
      kind: "error",
      node: null,
      nodeType: null,
      exceptionType: PROMPT_LOST_EXCEPTION,
      exceptionMessage: "ComfyUI no longer lists this prompt in its queue or history; it probably restarted before the prompt finished.",
    };
  }

  const messages = entry.status?.messages ?? [];
  for (const [type, data] of [...messages].reverse()) {
    if (type === "execution_success") {
      const parsed = frameDataSchemas.execution_success.safeParse(data);
      return { kind: "success", timestamp: parsed.data?.timestamp ?? null };
    }
    if (type === "execution_error") {
      const parsed = frameDataSchemas.execution_error.safeParse(data);
      return {
        kind: "error",
        node: parsed.data?.node_id ?? null,
        nodeType: parsed.data?.node_type ?? null,
        exceptionType: parsed.data?.exception_type ?? "Exception",
        exceptionMessage: parsed.data?.exception_message ?? "",
      };
    }
    if (type === "execution_interrupted") {
      const parsed = frameDataSchemas.execution_interrupted.safeParse(data);
      return { kind: "interrupted", node: parsed.data?.node_id ?? null, nodeType: parsed.data?.node_type ?? null };
    }
  }

  return entry.status?.status_str === "success"
    ? { kind: "success", timestamp: null }
    : { kind: "error", node: null, nodeType: null, exceptionType: "Exception", exceptionMessage: "ComfyUI recorded the prompt as failed without details." };
}
