import { z } from "zod";

import { commandIdSchema, isCommandName, parseFrame } from "@comfycarry/shared";
import type { ReporterMessage } from "@comfycarry/shared";

// A command frame with a name outside the allowlist fails the edge-message schema as a
// whole. Answering it, rather than only ignoring it, lets the caller see why instead of
// waiting for the deadline.

const commandShapeSchema = z.object({ type: z.literal("command"), id: commandIdSchema, name: z.unknown() });

/** Returns the error result for a command frame that did not parse, or null when the frame is no command. */
export function answerUnparsedCommand(text: string): ReporterMessage | null {
  const parsed = parseFrame(commandShapeSchema, text);
  if (!parsed.ok) {
    return null;
  }

  const { id, name } = parsed.value;
  if (typeof name !== "string" || !isCommandName(name)) {
    const shown = typeof name === "string" ? name.slice(0, 64) : typeof name;
    return {
      type: "command_result",
      id,
      ok: false,
      error: { code: "unknown_command", message: `command "${shown}" is not in the reporter's allowlist`, params: { name: shown } },
    };
  }
  return {
    type: "command_result",
    id,
    ok: false,
    error: { code: "invalid_message", message: `command frame for "${name}" does not match the protocol` },
  };
}
