import { readFile } from "node:fs/promises";

import type { Logger } from "../../log/logger.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { ConfFile, hashConf } from "../remotes/conf-file.js";
import type { SyncSettings } from "./settings.js";

/**
 * Puts the initial rclone.conf from the environment in place before the engine starts.
 * The environment's copy is written when there is no rclone.conf yet or when the
 * environment's copy changed since it was last applied. A reporter restart in the same
 * container therefore keeps a file that rclone rewrote after a token refresh, instead of
 * going back to the older copy it was started with.
 */
export async function seedRcloneConf(
  initial: NonNullable<SyncSettings["initialConf"]>,
  confPath: string,
  seedHashPath: string,
  log: Logger,
): Promise<"written" | "kept"> {
  const content = await initial.read();
  const sha256 = hashConf(content);
  const conf = new ConfFile(confPath);
  const existing = await conf.read();
  const lastSeed = await readFile(seedHashPath, "utf8").then(
    (text) => text.trim(),
    () => null,
  );

  if (existing !== null && lastSeed === sha256) {
    log.info({ source: initial.source }, "rclone.conf already holds the environment's copy or a newer rewrite of it; kept");
    return "kept";
  }
  await conf.write(content);
  await writeFileAtomic(seedHashPath, `${sha256}\n`, 0o600);
  log.info({ source: initial.source, sha256 }, "rclone.conf written from the environment");
  return "written";
}
