import type { CommandHandlers } from "../commands/executor.js";
import type { SyncHandlers } from "../sync/handlers.js";

/**
 * Makes `sync.config.set` wait until cloud sync has started. The edge sends its stored
 * rclone.conf right after hello, which can arrive before rclone was found and the engine
 * loaded. Without the wait that first copy would fail with "engine unavailable".
 */
export function afterSyncStart(handlers: SyncHandlers, started: Promise<void>): SyncHandlers {
  const setConfig: CommandHandlers["sync.config.set"] = async (args, context) => {
    await started;
    return handlers["sync.config.set"](args, context);
  };
  return { ...handlers, "sync.config.set": setConfig };
}
