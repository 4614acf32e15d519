/** Custom-node packs on disk, read without ComfyUI or Manager: `custom_nodes/` and `custom_nodes/.disabled/`. */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, stat } from "node:fs/promises";
import { join } from "node:path";

import { gitOrNull } from "./git.js";

export interface LocalPack {
  name: string;
  dir: string;
  enabled: boolean;
  /** null for a folder that is not a git checkout. */
  commit: string | null;
  repository: string | null;
  /** The tag at HEAD, if any. */
  tag: string | null;
}

export class LocalPacks {
  readonly customNodesDir: string;

  constructor(comfyuiDir: string) {
    this.customNodesDir = join(comfyuiDir, "custom_nodes");
  }

  get disabledDir(): string {
    return join(this.customNodesDir, ".disabled");
  }

  async list(): Promise<LocalPack[]> {
    const packs: LocalPack[] = [];
    for (const [base, enabled] of [
      [this.customNodesDir, true],
      [this.disabledDir, false],
    ] as const) {
      const names = await readdir(base).catch(() => [] as string[]);
      for (const name of names.sort()) {
        const dir = join(base, name);
        if (name.startsWith(".") || name === "__pycache__" || !(await stat(dir)).isDirectory()) {
          continue;
        }
        packs.push(await this.#describe(name, dir, enabled));
      }
    }
    return packs;
  }

  async find(name: string): Promise<LocalPack | null> {
    return (await this.list()).find((pack) => pack.name === name) ?? null;
  }

  /** The folder a pack of this name would use, enabled or disabled; null when free. */
  existing(name: string): string | null {
    for (const dir of [join(this.customNodesDir, name), join(this.disabledDir, name)]) {
      if (existsSync(dir)) {
        return dir;
      }
    }
    return null;
  }

  async setEnabled(pack: LocalPack, enabled: boolean): Promise<void> {
    if (pack.enabled === enabled) {
      return;
    }
    await mkdir(this.disabledDir, { recursive: true });
    await rename(pack.dir, join(enabled ? this.customNodesDir : this.disabledDir, pack.name));
  }

  async #describe(name: string, dir: string, enabled: boolean): Promise<LocalPack> {
    const commit = await gitOrNull(["rev-parse", "HEAD"], dir);
    if (commit === null) {
      return { name, dir, enabled, commit: null, repository: null, tag: null };
    }
    return {
      name,
      dir,
      enabled,
      commit,
      repository: await gitOrNull(["config", "--get", "remote.origin.url"], dir),
      tag: await gitOrNull(["describe", "--tags", "--exact-match", "HEAD"], dir),
    };
  }
}
