/** Cloud sync for deploy tests: a SyncService on the world's workspace with one local-disk remote, `backup`. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { pino } from "pino";

import { syncPortFrom } from "../../../src/deploy/sync-adapter.js";
import type { DeploySyncPort } from "../../../src/deploy/sync-port.js";
import { SyncService } from "../../../src/sync/service/sync-service.js";
import type { World } from "./world.js";

export const REMOTE = "backup";

export interface SyncHandle {
  service: SyncService;
  port: DeploySyncPort;
  close(): Promise<void>;
}

/**
 * Writes rclone.conf (an alias of `remoteRoot`) into the reporter state dir and starts sync on
 * the world's workspace, running `rcloneBinary` ("rclone" on PATH by default).
 */
export async function startSync(world: World, remoteRoot: string, rcloneBinary = "rclone"): Promise<SyncHandle> {
  await mkdir(world.stateDir, { recursive: true });
  await mkdir(remoteRoot, { recursive: true });
  await writeFile(join(world.stateDir, "rclone.conf"), `[${REMOTE}]\ntype = alias\nremote = ${remoteRoot}\n`, { mode: 0o600 });
  const log = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" });
  const service = new SyncService({
    stateDir: world.stateDir,
    workspaceDir: world.workspaceDir,
    settings: { enabled: true, rcloneBinary, initialConf: null, maxParallel: 4, watchStableMs: 300 },
    log,
    emit: () => undefined,
    snapshotSoon: () => undefined,
    channel: { supportsSecretUpdate: () => false, sendSecretUpdate: () => Promise.resolve(false) },
  });
  await service.start();
  return {
    service,
    port: syncPortFrom({ service, rcloneBinary, workspaceDir: world.workspaceDir, log }),
    close: () => service.stop(),
  };
}
