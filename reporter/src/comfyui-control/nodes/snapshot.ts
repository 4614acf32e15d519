/**
 * Saving and restoring the custom-node set (repository, commit, enabled) as JSON. Sync stores
 * these files; deploy and the restore command apply them.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { toUtcTimestamp } from "@comfycarry/shared";
import type { NodeSnapshot } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";

import type { Logger } from "../../log/logger.js";
import type { ControlSettings } from "../settings.js";
import { git, gitOrNull } from "./git.js";
import { installFromGit } from "./git-install.js";
import type { LocalPacks } from "./local-packs.js";

export function snapshotDir(settings: ControlSettings): string {
  return join(settings.stateDir, "node-snapshots");
}

/** Writes the current set to `<state>/node-snapshots/<time>.json`; folders that are not git checkouts are left out. */
export async function saveSnapshot(settings: ControlSettings, packs: LocalPacks): Promise<{ file: string; snapshot: NodeSnapshot }> {
  const list = await packs.list();
  const snapshot: NodeSnapshot = {
    format: "comfycarry.nodes.v1",
    taken_at: toUtcTimestamp(),
    packs: list.flatMap((pack) => (pack.commit === null || pack.repository === null ? [] : [{ name: pack.name, repository: pack.repository, commit: pack.commit, enabled: pack.enabled }])),
  };
  const dir = snapshotDir(settings);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${snapshot.taken_at.replace(/[:.]/g, "-")}.json`);
  await writeFileAtomic(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  return { file, snapshot };
}

export interface RestoreResult {
  cloned: string[];
  checked_out: string[];
  unchanged: string[];
}

/** Clones missing packs, moves present ones to the snapshot's commit, and sets each enabled or disabled. */
export async function restoreSnapshot(settings: ControlSettings, packs: LocalPacks, log: Logger, snapshot: NodeSnapshot, signal?: AbortSignal): Promise<RestoreResult> {
  const result: RestoreResult = { cloned: [], checked_out: [], unchanged: [] };

  for (const wanted of snapshot.packs) {
    let pack = await packs.find(wanted.name);
    if (pack === null) {
      await installFromGit(settings, packs, log, wanted.repository, wanted.commit, signal);
      result.cloned.push(wanted.name);
    } else if (pack.commit !== wanted.commit) {
      // The commit may be newer than the last fetch.
      if ((await gitOrNull(["cat-file", "-e", `${wanted.commit}^{commit}`], pack.dir)) === null) {
        await git(["fetch", "--quiet", "origin"], pack.dir, signal);
      }
      await git(["checkout", "--quiet", "--detach", wanted.commit], pack.dir, signal);
      result.checked_out.push(wanted.name);
    } else {
      result.unchanged.push(wanted.name);
    }

    pack = await packs.find(wanted.name);
    if (pack !== null) {
      await packs.setEnabled(pack, wanted.enabled);
    }
  }
  log.info({ ...result }, "custom node snapshot restored");
  return result;
}
