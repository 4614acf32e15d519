/** Checks a manifest's models and node packs against what the instance has on disk. */
import { stat } from "node:fs/promises";
import { join } from "node:path";

import type { ManifestModel, ManifestNodePack } from "@comfycarry/shared";

import type { LocalPack } from "../comfyui-control/nodes/local-packs.js";
import { FOLDER_ALIASES, FOLDER_DEFAULTS } from "../models/folders.js";
import { plainFetch } from "../http/plain-fetch.js";

/**
 * Returns the directories ComfyUI searches for a folder key below `models`. A key missing from
 * the table (a custom pack's folder such as `insightface`) is its own subfolder.
 * NOTE: folders added by extra_model_paths.yaml are not searched here. Callers ask the running
 * ComfyUI as well (comfyuiModelNames), so such a model reads as missing only while ComfyUI is down.
 */
export function folderDirs(modelsDir: string, folder: string): string[] {
  const key = FOLDER_ALIASES[folder] ?? folder;
  return (FOLDER_DEFAULTS[key] ?? [key]).map((subdir) => join(modelsDir, subdir));
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

/** Returns whether the file is in one of its folder's directories; a model of unknown folder is looked for in every folder. */
export async function modelPresent(modelsDir: string, model: Pick<ManifestModel, "folder" | "name">): Promise<boolean> {
  const folders = model.folder === null ? Object.keys(FOLDER_DEFAULTS) : [model.folder];
  for (const folder of folders) {
    for (const dir of folderDirs(modelsDir, folder)) {
      if (await isFile(join(dir, model.name))) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Returns the files ComfyUI lists for a folder (`GET /models/<folder>`), which include the folders
 * of extra_model_paths.yaml, or null when ComfyUI does not respond.
 */
export async function comfyuiModelNames(comfyuiUrl: string, folder: string): Promise<Set<string> | null> {
  try {
    const response = await plainFetch(`${comfyuiUrl}/models/${encodeURIComponent(folder)}`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) {
      return null;
    }
    const body: unknown = await response.json();
    return Array.isArray(body) ? new Set(body.filter((item): item is string => typeof item === "string").map((item) => item.replace(/\\/g, "/"))) : null;
  } catch {
    return null;
  }
}

export function normalRepository(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/^git@github\.com:/, "https://github.com/")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
}

function repositoryFolder(url: string): string {
  return normalRepository(url).split("/").at(-1) ?? "";
}

/**
 * Returns whether an enabled installed pack provides the entry: same repository, or same folder name as
 * the repository (Manager installs into the repository's name), or a folder named for the registry id.
 */
export function packPresent(installed: LocalPack[], pack: Pick<ManifestNodePack, "repository" | "id">): boolean {
  if (pack.repository === null && pack.id === null) {
    return false;
  }
  return installed.some((local) => {
    if (!local.enabled) {
      return false;
    }
    const name = local.name.toLowerCase();
    if (pack.repository !== null) {
      const sameRepository = local.repository !== null && normalRepository(local.repository) === normalRepository(pack.repository);
      if (sameRepository || name === repositoryFolder(pack.repository)) {
        return true;
      }
    }
    return pack.id !== null && name === pack.id.toLowerCase();
  });
}
