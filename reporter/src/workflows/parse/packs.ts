/** Groups the custom node classes of a flat graph by the pack that provides them. */
import type { ManifestNodePack } from "@comfycarry/shared";

import type { NodeCatalog } from "./catalog.js";
import { VIRTUAL_CLASSES } from "./core-nodes.js";
import type { FlatNode } from "./flat-node.js";
import { compareText } from "./models.js";

function stringProperty(node: FlatNode, key: string): string | null {
  const value = node.properties[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * Recent frontends save `cnr_id` (registry id, `comfy-core` for ComfyUI itself), `aux_id`
 * (`owner/repo` of a git install) and `ver` (version or commit) on every node. These win over
 * the catalog, because they record what the author actually ran. A class no source maps gets
 * its own entry with a null repository.
 */
export function collectPacks(nodes: FlatNode[], catalog: NodeCatalog): ManifestNodePack[] {
  const packs = new Map<string, ManifestNodePack & { classes: Set<string> }>();

  for (const node of nodes) {
    const cnrId = stringProperty(node, "cnr_id");
    if (cnrId === "comfy-core" || VIRTUAL_CLASSES.has(node.classType) || (cnrId === null && catalog.isCore(node.classType))) {
      continue;
    }
    const auxId = stringProperty(node, "aux_id");
    const known = catalog.packFor(node.classType);
    const repository = auxId !== null ? `https://github.com/${auxId}` : (known?.repository ?? null);
    const id = cnrId ?? known?.id ?? null;
    const commit = cnrId !== null || auxId !== null ? stringProperty(node, "ver") : null;
    const key = repository?.toLowerCase() ?? (id === null ? `class:${node.classType}` : `id:${id}`);

    let pack = packs.get(key);
    if (pack === undefined) {
      pack = { repository, id, commit, class_types: [], required: false, classes: new Set() };
      packs.set(key, pack);
    }
    pack.classes.add(node.classType);
    pack.id ??= id;
    pack.commit ??= commit;
    pack.required ||= node.mode === "active";
  }

  return [...packs.values()]
    .map(({ classes, ...pack }) => ({ ...pack, class_types: [...classes].sort(compareText) }))
    .sort((left, right) => {
      if (left.repository === null || right.repository === null) {
        return left.repository === right.repository ? compareText(left.class_types[0] ?? "", right.class_types[0] ?? "") : left.repository === null ? 1 : -1;
      }
      return compareText(left.repository, right.repository);
    });
}
