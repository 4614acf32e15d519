/**
 * Installed packs as Manager sees them on disk: folders under `custom_nodes/` (enabled) and
 * `custom_nodes/.disabled/` (disabled), each a git checkout. Registry packs (found in the
 * catalog) report their version tag as `ver`; other git packs report the commit.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";

import { type CatalogEntry, auxId, repoName, sameRepository } from "./catalog.js";
import { LEGACY_FOLDER } from "./flavour.js";
import { checkoutTag, clone, git, gitOrNull, tags } from "./git.js";

export interface InstalledPack {
  folder: string;
  dir: string;
  enabled: boolean;
  commit: string;
  url: string;
  tag: string | null;
  entry: CatalogEntry | null;
}

export class PackStore {
  constructor(
    readonly customNodesDir: string,
    private readonly catalog: CatalogEntry[],
  ) {}

  get disabledDir(): string {
    return path.join(this.customNodesDir, ".disabled");
  }

  entryFor(idOrUrl: string): CatalogEntry | null {
    return this.catalog.find((entry) => entry.id === idOrUrl || entry.files.some((file) => sameRepository(file, idOrUrl)) || sameRepository(entry.reference, idOrUrl)) ?? null;
  }

  async list(): Promise<InstalledPack[]> {
    const found: InstalledPack[] = [];
    for (const [base, enabled] of [
      [this.customNodesDir, true],
      [this.disabledDir, false],
    ] as const) {
      if (!existsSync(base)) {
        continue;
      }
      for (const folder of readdirSync(base).sort()) {
        const dir = path.join(base, folder);
        if (folder.startsWith(".") || folder === "__pycache__" || folder === LEGACY_FOLDER || !statSync(dir).isDirectory()) {
          continue;
        }
        const commit = await gitOrNull(["rev-parse", "HEAD"], dir);
        if (commit === null) {
          continue;
        }
        const url = (await gitOrNull(["config", "--get", "remote.origin.url"], dir)) ?? "";
        const tag = await gitOrNull(["describe", "--tags", "--exact-match", "HEAD"], dir);
        found.push({ folder, dir, enabled, commit, url, tag, entry: this.entryFor(url) });
      }
    }
    return found;
  }

  async find(idOrFolder: string): Promise<InstalledPack | null> {
    const packs = await this.list();
    return packs.find((pack) => pack.folder === idOrFolder || pack.entry?.id === idOrFolder || sameRepository(pack.url, idOrFolder)) ?? null;
  }

  /** `/customnode/installed` entry: registry packs carry their version, git packs the commit. */
  installedEntry(pack: InstalledPack): { ver: string; cnr_id: string; aux_id: string | null; enabled: boolean } {
    const version = pack.tag?.replace(/^v/, "") ?? null;
    if (pack.entry !== null && version !== null) {
      return { ver: version, cnr_id: pack.entry.id, aux_id: null, enabled: pack.enabled };
    }
    return { ver: pack.commit, cnr_id: pack.entry?.id ?? "", aux_id: auxId(pack.url), enabled: pack.enabled };
  }

  /** Clones a pack; a registry version other than `nightly`/`latest` checks out that tag. */
  async install(url: string, version: string | null): Promise<string> {
    const folder = repoName(url);
    const dir = path.join(this.customNodesDir, folder);
    if (existsSync(dir) || existsSync(path.join(this.disabledDir, folder))) {
      throw new Error(`'${folder}' is already installed`);
    }
    await clone(url, dir);
    if (version !== null) {
      await this.switchVersion(dir, version);
    } else {
      const newest = (await tags(dir))[0];
      if (newest !== undefined) {
        await checkoutTag(dir, newest);
      }
    }
    return folder;
  }

  async switchVersion(dir: string, version: string): Promise<void> {
    if (version === "nightly" || version === "latest") {
      const head = (await gitOrNull(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], dir)) ?? "origin/HEAD";
      await git(["checkout", "--quiet", "--detach", head], dir);
      return;
    }
    const known = await tags(dir);
    const tag = known.find((candidate) => candidate === version || candidate === `v${version}`);
    if (tag === undefined) {
      throw new Error(`version '${version}' not found; available: ${known.join(", ") || "none"}`);
    }
    await checkoutTag(dir, tag);
  }

  /** Moves a registry pack to its newest tag, and a git pack to the remote's newest commit. */
  async update(pack: InstalledPack): Promise<void> {
    await git(["fetch", "--quiet", "--tags", "origin"], pack.dir);
    if (pack.tag !== null) {
      const newest = (await tags(pack.dir))[0];
      if (newest !== undefined) {
        await checkoutTag(pack.dir, newest);
      }
      return;
    }
    await this.switchVersion(pack.dir, "nightly");
  }

  uninstall(pack: InstalledPack): void {
    rmSync(pack.dir, { recursive: true, force: true });
  }

  setEnabled(pack: InstalledPack, enabled: boolean): void {
    if (pack.enabled === enabled) {
      return;
    }
    mkdirSync(this.disabledDir, { recursive: true });
    renameSync(pack.dir, path.join(enabled ? this.customNodesDir : this.disabledDir, pack.folder));
  }
}
