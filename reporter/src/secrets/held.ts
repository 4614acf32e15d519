import type { HeldSecrets } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { ConfFile } from "../sync/remotes/conf-file.js";
import type { SyncService } from "../sync/service/sync-service.js";
import type { TokenFiles } from "./token-files.js";

/**
 * Builds `hello.secrets`: digests of the held tokens and of rclone.conf, and whether a change
 * of rclone.conf still waits to reach the edge. Without `sync` (cloud sync off) or while sync
 * is unavailable (no rclone), rclone.conf is left out, so the edge does not send it.
 */
export function heldSecretsBuilder(tokens: TokenFiles, sync: SyncService | null, log: Logger): () => Promise<HeldSecrets> {
  return async () => {
    const held: HeldSecrets = { tokens: tokens.digests() };
    if (sync === null || sync.state === "unavailable") {
      return held;
    }
    try {
      held.rclone_conf = { sha256: await new ConfFile(sync.confPath).hash(), unsent: await sync.upload.pending() };
    } catch (error) {
      // Without a reliable digest the edge would replace a file it cannot compare: report none.
      log.warn({ err: error }, "could not read rclone.conf for hello; the edge will not send its copy");
    }
    return held;
  };
}
