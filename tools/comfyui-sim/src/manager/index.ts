/** ComfyUI-Manager in the simulator: picks the flavour, prints its start-up lines, builds its routes. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import type { SimConfig } from "../config.js";
import { simConsole } from "../log/logger.js";
import type { Dumpable } from "../py/format.js";
import type { RouteDef } from "../server/context.js";
import type { SocketHub } from "../ws/hub.js";
import { readCatalog } from "./catalog.js";
import { detectFlavour, managerDataDir } from "./flavour.js";
import { PackStore } from "./packs.js";
import { legacyRoutes } from "./routes-legacy.js";
import { v4Routes } from "./routes-v4.js";
import { SecurityGate, readSettings } from "./security.js";
import type { ManagerState } from "./state.js";
import { ManagerWorker } from "./worker.js";

function envMs(name: string, fallback: number): number {
  const raw = process.env[name];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

/**
 * Returns the Manager routes for this start, or none. `COMFYUI_SIM_NODE_LIST` names the node
 * list; `COMFYUI_SIM_MANAGER_TASK_MS` (default 500) is the time each task takes and
 * `COMFYUI_SIM_MANAGER_IDLE_MS` (default 4000) how long the v4 worker lingers idle.
 */
export function managerRoutes(config: SimConfig, customNodesDir: string, hub: SocketHub): RouteDef[] {
  const flavour = detectFlavour(config, customNodesDir);
  if (flavour.kind === "none" || config.disableManagerUi) {
    return [];
  }

  const dataDir = managerDataDir(config);
  const catalog = readCatalog(process.env.COMFYUI_SIM_NODE_LIST);
  const packs = new PackStore(customNodesDir, catalog);
  const gate = new SecurityGate(readSettings(dataDir), config, flavour);
  const worker = new ManagerWorker(flavour.kind, packs, hub, envMs("COMFYUI_SIM_MANAGER_TASK_MS", 500), envMs("COMFYUI_SIM_MANAGER_IDLE_MS", 4000));
  const installed = async (): Promise<Record<string, Dumpable>> => Object.fromEntries((await packs.list()).map((pack) => [pack.folder, packs.installedEntry(pack)]));
  const state: ManagerState = { flavour, version: flavour.version, packs, catalog, worker, gate, imported: installed(), installed };

  if (flavour.kind === "v4") {
    simConsole.info("[START] ComfyUI-Manager");
    // The pip package reads the channel list from its cache; the simulator writes it there, as a fetch would.
    const cacheDir = path.join(dataDir, "cache");
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(path.join(cacheDir, "1514988643_custom-node-list.json"), JSON.stringify({ custom_nodes: catalog.map((entry) => ({ ...entry, last_update: entry.lastUpdate, install_type: "git-clone" })) }));
  } else {
    simConsole.info(`### Loading: ComfyUI-Manager (${flavour.version})`);
  }
  simConsole.info(`[ComfyUI-Manager] network_mode: ${gate.settings.networkMode}`);
  return flavour.kind === "v4" ? v4Routes(state) : legacyRoutes(state, flavour.getRoutes);
}
