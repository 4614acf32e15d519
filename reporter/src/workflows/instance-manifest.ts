/**
 * The instance manifest: the union over the user's workflows plus the packs and model files
 * installed, so a fresh instance can restore what the last one had. Node references are dropped
 * (`used_by: []`) because node ids mean nothing across workflows.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

import { MANIFEST_FORMAT, MANIFEST_VERSION } from "@comfycarry/shared";
import type { ManifestModel, ManifestNodePack, WorkflowManifest } from "@comfycarry/shared";

import type { LocalPack } from "../comfyui-control/nodes/local-packs.js";
import { FOLDER_DEFAULTS, isModelFile } from "../models/folders.js";
import { compareText } from "./parse/models.js";
import { normalRepository } from "./presence.js";

function modelKey(model: Pick<ManifestModel, "folder" | "name">): string {
  return `${model.folder ?? ""}\u0000${model.name}`;
}

function packKey(pack: Pick<ManifestNodePack, "repository" | "id" | "class_types">): string {
  if (pack.repository !== null) {
    return normalRepository(pack.repository);
  }
  return pack.id === null ? `class:${pack.class_types.join(",")}` : `id:${pack.id}`;
}

function mergeModel(into: ManifestModel, model: ManifestModel): void {
  into.required ||= model.required;
  into.sha256 ??= model.sha256;
  into.size ??= model.size;
  for (const source of model.sources) {
    if (!into.sources.some((known) => known.url === source.url)) {
      into.sources.push(source);
    }
  }
}

/** Lists model files below the default folders, with sizes, as not-required manifest entries. */
export async function installedModels(modelsDir: string): Promise<ManifestModel[]> {
  const models: ManifestModel[] = [];
  for (const [folder, subdirs] of Object.entries(FOLDER_DEFAULTS)) {
    for (const subdir of subdirs) {
      const dir = join(modelsDir, subdir);
      const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || !isModelFile(entry.name)) {
          continue;
        }
        const full = join(entry.parentPath, entry.name);
        const size = (await stat(full).catch(() => null))?.size ?? null;
        models.push({ folder, name: relative(dir, full).split(sep).join("/"), size, sha256: null, sources: [], required: false, used_by: [] });
      }
    }
  }
  return models;
}

export function unionManifest(manifests: WorkflowManifest[], packs: LocalPack[], models: ManifestModel[]): WorkflowManifest {
  const modelMap = new Map<string, ManifestModel>();
  const packMap = new Map<string, ManifestNodePack>();
  let ref: string | null = null;

  for (const manifest of manifests) {
    ref ??= manifest.comfyui.ref;
    for (const model of manifest.models) {
      const known = modelMap.get(modelKey(model));
      if (known === undefined) {
        modelMap.set(modelKey(model), { ...model, sources: [...model.sources], used_by: [] });
      } else {
        mergeModel(known, model);
      }
    }
    for (const pack of manifest.custom_nodes) {
      const known = packMap.get(packKey(pack));
      if (known === undefined) {
        packMap.set(packKey(pack), { ...pack, class_types: [...pack.class_types] });
        continue;
      }
      known.required ||= pack.required;
      known.commit ??= pack.commit;
      known.id ??= pack.id;
      known.class_types = [...new Set([...known.class_types, ...pack.class_types])].sort(compareText);
    }
  }

  for (const model of models) {
    const known = modelMap.get(modelKey(model));
    if (known === undefined) {
      modelMap.set(modelKey(model), model);
    } else {
      known.size ??= model.size;
    }
  }
  for (const local of packs) {
    if (local.repository === null) {
      continue;
    }
    const key = normalRepository(local.repository);
    const known = packMap.get(key);
    if (known === undefined) {
      packMap.set(key, { repository: local.repository, id: null, commit: local.commit, class_types: [], required: false });
    } else if (local.commit !== null) {
      // The installed commit is what actually ran here, so it wins over the one a workflow was saved with.
      known.commit = local.commit;
    }
  }

  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    comfyui: { ref },
    models: [...modelMap.values()].sort((left, right) => compareText(left.folder ?? "", right.folder ?? "") || compareText(left.name, right.name)),
    custom_nodes: [...packMap.values()].sort((left, right) => compareText(left.repository ?? "\uffff", right.repository ?? "\uffff")),
    inactive_nodes: [],
    workflows: manifests.flatMap((manifest) => manifest.workflows).sort(compareText),
  };
}
