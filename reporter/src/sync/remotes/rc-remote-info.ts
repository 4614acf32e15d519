import { z } from "zod";

import type { RcloneDaemon } from "../rclone/daemon.js";
import { parseFeatures } from "./remotes.js";
import type { RemoteInfo, RemoteInfoSource } from "./remotes.js";

/**
 * Reads the remote list and a remote's features from a running `rclone rcd`, so a restore
 * that already runs one daemon for its copies starts no rclone process for rule validation.
 * The values equal those of `rclone listremotes --long` and `rclone backend features`
 * (remotes.ts): both list only the sections of rclone.conf that have a type, sorted by name.
 */

// Only `type` is kept, because config/dump returns every option of each remote, passwords included.
const dumpSchema = z.record(z.string(), z.object({ type: z.string().optional() }));

export function rcRemoteInfo(daemon: RcloneDaemon, timeoutMs = 15_000): RemoteInfoSource {
  return {
    async listRemotes() {
      const reply = await daemon.call("config/dump", {}, timeoutMs);
      if (!reply.ok) {
        throw new Error(`rclone rcd config/dump failed: ${reply.error ?? "unknown error"}`);
      }
      const parsed = dumpSchema.safeParse(reply.output);
      if (!parsed.success) {
        throw new Error(`rclone rcd config/dump returned unexpected output: ${parsed.error.issues[0]?.message ?? "invalid"}`);
      }
      const remotes: RemoteInfo[] = [];
      for (const [name, section] of Object.entries(parsed.data)) {
        if (section.type !== undefined && section.type !== "") {
          remotes.push({ name, type: section.type });
        }
      }
      // `rclone listremotes` (1.60) sorts the names bytewise, so capitals come first.
      return remotes.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    },

    async remoteFeatures(remote) {
      const reply = await daemon.call("operations/fsinfo", { fs: `${remote}:` }, timeoutMs);
      return reply.ok ? parseFeatures(reply.output) : null;
    },
  };
}
