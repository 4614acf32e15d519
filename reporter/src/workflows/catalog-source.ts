/**
 * Builds the node catalog the parser maps classes with: ComfyUI-Manager's node map (from the
 * running Manager, else a file), plus `/object_info` and the installed packs when ComfyUI is up.
 */
import { readFile } from "node:fs/promises";

import { z } from "zod";

import type { LocalPack } from "../comfyui-control/nodes/local-packs.js";
import type { Logger } from "../log/logger.js";
import { NodeCatalog } from "./parse/catalog.js";
import type { PackRef } from "./parse/catalog.js";

/** Manager serves the map at both paths, legacy and v4; `mode=cache` avoids a fetch from the internet. */
const MAPPING_PATHS = ["/api/customnode/getmappings?mode=cache", "/api/v2/customnode/getmappings?mode=cache"];
/** A catalog is rebuilt at most this often, because `/object_info` of a large install is several MB. */
const CACHE_MS = 30_000;

const objectInfoSchema = z.record(z.string(), z.looseObject({ python_module: z.unknown().optional() }));

export interface CatalogSourceOptions {
  comfyuiUrl: string;
  /** A file in extension-node-map.json form, read when Manager does not serve the map. */
  nodeMapFile: string | null;
  installedPacks: () => Promise<LocalPack[]>;
  log: Logger;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) {
    throw new Error(`HTTP ${response.status} from ${url}`);
  }
  return response.json();
}

export class CatalogSource {
  #cached: { catalog: NodeCatalog; at: number } | null = null;

  constructor(private readonly options: CatalogSourceOptions) {}

  /** Drops the cached catalog, after packs were installed. */
  invalidate(): void {
    this.#cached = null;
  }

  async get(): Promise<NodeCatalog> {
    if (this.#cached !== null && Date.now() - this.#cached.at < CACHE_MS) {
      return this.#cached.catalog;
    }
    const catalog = new NodeCatalog();
    await this.#addNodeMap(catalog);
    await this.#addObjectInfo(catalog);
    this.#cached = { catalog, at: Date.now() };
    return catalog;
  }

  async #addNodeMap(catalog: NodeCatalog): Promise<void> {
    for (const path of MAPPING_PATHS) {
      try {
        catalog.addNodeMap(await getJson(`${this.options.comfyuiUrl}${path}`));
        return;
      } catch {
        // ComfyUI is down, Manager is absent, or this flavour serves the other path: try the next source.
      }
    }
    if (this.options.nodeMapFile === null) {
      return;
    }
    try {
      catalog.addNodeMap(JSON.parse(await readFile(this.options.nodeMapFile, "utf8")));
    } catch (error) {
      this.options.log.warn({ err: error, file: this.options.nodeMapFile }, "node map file could not be read; unmapped classes are listed as unknown");
    }
  }

  async #addObjectInfo(catalog: NodeCatalog): Promise<void> {
    let info;
    try {
      info = objectInfoSchema.safeParse(await getJson(`${this.options.comfyuiUrl}/api/object_info`));
    } catch {
      return;
    }
    if (!info.success) {
      return;
    }
    const folders = new Map<string, PackRef>();
    for (const pack of await this.options.installedPacks()) {
      folders.set(pack.name.toLowerCase(), { repository: pack.repository, id: null });
    }
    catalog.addObjectInfo(info.data, folders);
  }
}
