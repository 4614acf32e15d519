/** Collects the model files a flat graph references into manifest entries. */
import type { ManifestModel, ManifestSource } from "@comfycarry/shared";

import type { FlatNode } from "./flat-node.js";
import { CORE_CLASS_SET } from "./core-nodes.js";
import { FIXED_MODELS, LOADERS, LORA_LIST_CLASSES } from "./loaders.js";
import { looksLikeModel, modelPath } from "./model-path.js";
import type { ModelHint } from "./ui-schema.js";

type Reference = ManifestModel["used_by"][number];

/** Manifest models keyed by folder and name, so several nodes naming one file share an entry. */
export class ModelSet {
  readonly #entries = new Map<string, ManifestModel>();

  add(folder: string | null, name: string, reference: Reference): ManifestModel {
    const key = `${folder ?? ""}\u0000${name}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { folder, name, size: null, sha256: null, sources: [], required: false, used_by: [] };
      this.#entries.set(key, entry);
    }
    entry.used_by.push(reference);
    entry.required ||= reference.active;
    return entry;
  }

  find(folder: string | null, name: string): ManifestModel | undefined {
    return this.#entries.get(`${folder ?? ""}\u0000${name}`);
  }

  /** Attaches a download hint to the entry it names, matched on folder and on the full name or file name. */
  applyHint(hint: ModelHint, node: FlatNode | null): void {
    const name = modelPath(hint.name);
    if (name === null) {
      return;
    }
    const folder = hint.directory === undefined ? null : hint.directory;
    const matches = [...this.#entries.values()].filter(
      (entry) => (folder === null || entry.folder === folder) && (entry.name === name || entry.name.split("/").at(-1) === name) && (node === null || entry.used_by.some((reference) => reference.node === node.id)),
    );
    // A hint no widget uses is still listed, as not required, because it records where the author got the file.
    const targets = matches.length > 0 ? matches : [this.add(folder, name, { node: node?.id ?? "", class_type: node?.classType ?? "", input: "properties.models", active: false })];
    for (const entry of targets) {
      const source = sourceOf(hint.url);
      if (source !== null && !entry.sources.some((known) => known.url === source.url)) {
        entry.sources.push(source);
      }
      const sha256 = hint.hash_type?.toLowerCase() === "sha256" || hint.hash_type === undefined ? hint.hash?.toLowerCase() : undefined;
      if (sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256)) {
        entry.sha256 = sha256;
      }
    }
  }

  list(): ManifestModel[] {
    const byNode = (left: Reference, right: Reference): number => left.node.localeCompare(right.node, "en", { numeric: true });
    return [...this.#entries.values()]
      .map((entry) => ({ ...entry, used_by: [...entry.used_by].sort(byNode) }))
      .sort((left, right) => compareText(left.folder ?? "", right.folder ?? "") || compareText(left.name, right.name));
  }
}

export function compareText(left: string, right: string): number {
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

function sourceOf(url: string | undefined): ManifestSource | null {
  if (url === undefined || !/^https?:\/\//i.test(url)) {
    return null;
  }
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (host === "huggingface.co" || host.endsWith(".huggingface.co") || host === "hf.co") {
    return { kind: "huggingface", url };
  }
  if (host === "civitai.com" || host.endsWith(".civitai.com")) {
    return { kind: "civitai", url };
  }
  return { kind: "workflow", url };
}

function collectLoraList(node: FlatNode, active: boolean, models: ModelSet): void {
  let index = 0;
  for (const [name, value] of node.namedValues()) {
    if (typeof value !== "object" || value === null || !("lora" in value)) {
      continue;
    }
    index += 1;
    const path = modelPath(value.lora);
    if (path === null) {
      continue;
    }
    const switchedOn = !("on" in value) || value.on !== false;
    const input = name.startsWith("lora_") ? name : `lora_${index}`;
    models.add("loras", path, { node: node.id, class_type: node.classType, input, active: active && switchedOn });
  }
}

/** Adds the models one node references: from the loader table, a LoRA list, the fixed-file table or, for unknown classes, any value that looks like a model file. */
export function collectNodeModels(node: FlatNode, isCore: (classType: string) => boolean, models: ModelSet): void {
  const active = node.mode === "active";
  const spec = LOADERS[node.classType];

  if (spec !== undefined) {
    for (const [input, folder] of Object.entries(spec.folders)) {
      const path = modelPath(node.value(input));
      if (path !== null) {
        models.add(folder, path, { node: node.id, class_type: node.classType, input, active });
      }
    }
  } else if (LORA_LIST_CLASSES.has(node.classType)) {
    collectLoraList(node, active, models);
  } else if (!isCore(node.classType) && !CORE_CLASS_SET.has(node.classType)) {
    for (const [input, value] of node.namedValues()) {
      const path = looksLikeModel(value) ? modelPath(value) : null;
      if (path !== null) {
        models.add(null, path, { node: node.id, class_type: node.classType, input, active });
      }
    }
  }

  for (const fixed of FIXED_MODELS[node.classType] ?? []) {
    models.add(fixed.folder, fixed.name, { node: node.id, class_type: node.classType, input: "(fixed file)", active });
  }
}
