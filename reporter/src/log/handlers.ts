/** @module The `logs.query` command over the reporter's rotating log files. */
import { ComfyCarryError } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import { queryLogs } from "./query.js";

export type LogsHandlers = Pick<CommandHandlers, "logs.query">;

export function createLogsHandlers(dir: string): LogsHandlers {
  return { "logs.query": async (args) => queryLogs(dir, args) };
}

/** Stands in until app.ts passes the log folder, e.g. in tests that build handlers alone. */
export function unavailableLogsHandlers(): LogsHandlers {
  return { "logs.query": () => Promise.reject(new ComfyCarryError("command_failed", "the reporter's log files are not open")) };
}
