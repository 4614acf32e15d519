/**
 * The node catalog: which custom node pack provides a node class. It is built from ComfyUI-Manager's node map
 * (`extension-node-map.json`, also served by `/customnode/getmappings`) and, for what is
 * installed, from ComfyUI's `/object_info`.
 */
import { z } from "zod";

import { CORE_CLASS_SET } from "./core-nodes.js";

export interface PackRef {
  repository: string | null;
  id: string | null;
}

/** `{ "<repo url>": [[class names], { title_aux, nodename_pattern? }] }`. */
const nodeMapSchema = z.record(
  z.string(),
  z.tuple([z.array(z.string()), z.looseObject({ nodename_pattern: z.string().optional() })]).rest(z.unknown()),
);

/** Manager lists core ComfyUI in its map too; those classes need no pack. */
const CORE_REPOSITORIES = new Set(["https://github.com/comfyanonymous/comfyui", "https://github.com/comfy-org/comfyui"]);

function normalRepository(url: string): string {
  return url.toLowerCase().replace(/\/+$/, "").replace(/\.git$/, "");
}

export class NodeCatalog {
  readonly #packs = new Map<string, PackRef>();
  readonly #patterns: Array<{ pattern: RegExp; pack: PackRef }> = [];
  readonly #core = new Set<string>(CORE_CLASS_SET);

  /** Adds Manager's node map; a value that is not a node map is rejected with the parse issues. */
  addNodeMap(json: unknown): this {
    const parsed = nodeMapSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`invalid node map (${parsed.error.issues[0]?.message ?? "unknown shape"}); use ComfyUI-Manager's extension-node-map.json`);
    }
    for (const [repository, [classes, meta]] of Object.entries(parsed.data)) {
      if (CORE_REPOSITORIES.has(normalRepository(repository))) {
        classes.forEach((name) => this.#core.add(name));
        continue;
      }
      const pack = { repository, id: null };
      for (const name of classes) {
        if (!this.#packs.has(name)) {
          this.#packs.set(name, pack);
        }
      }
      if (meta.nodename_pattern !== undefined) {
        try {
          this.#patterns.push({ pattern: new RegExp(meta.nodename_pattern), pack });
        } catch {
          // Manager's patterns are Python regexes; one JavaScript cannot compile is skipped, the class list still applies.
        }
      }
    }
    return this;
  }

  /**
   * Adds what a running ComfyUI reports: core classes (module `nodes` or `comfy_extras.*`) and the
   * pack folder of each custom class, named to a repository by `folders` (Manager's installed list).
   */
  addObjectInfo(objectInfo: Record<string, { python_module?: unknown }>, folders: ReadonlyMap<string, PackRef> = new Map()): this {
    for (const [name, info] of Object.entries(objectInfo)) {
      const module = typeof info.python_module === "string" ? info.python_module : "";
      if (module === "nodes" || module.startsWith("comfy_extras.") || module.startsWith("comfy_api_nodes.")) {
        this.#core.add(name);
        continue;
      }
      const folder = module.startsWith("custom_nodes.") ? module.slice("custom_nodes.".length).split(".")[0] : undefined;
      const pack = folder === undefined ? undefined : folders.get(folder.toLowerCase());
      if (pack !== undefined) {
        this.#packs.set(name, pack);
      }
    }
    return this;
  }

  isCore(classType: string): boolean {
    return this.#core.has(classType);
  }

  packFor(classType: string): PackRef | null {
    const direct = this.#packs.get(classType);
    if (direct !== undefined) {
      return direct;
    }
    return this.#patterns.find(({ pattern }) => pattern.test(classType))?.pack ?? null;
  }
}
