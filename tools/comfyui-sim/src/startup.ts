/** Start-up in ComfyUI's order and wording: device lines, custom node loading, server lines. */
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { SimConfig } from "./config.js";
import type { Folders } from "./folders/folders.js";
import { cudaErrorText } from "./gpu/system-stats.js";
import { readGpus, torchGpu } from "./gpu/preset.js";
import { simConsole } from "./log/logger.js";
import { importErrorMessage, loadCustomNodePacks, type PackResult } from "./nodes/custom.js";
import type { NodeRegistry } from "./nodes/registry.js";
import { formatException } from "./py/traceback.js";

function secondsColumn(seconds: number): string {
  return seconds.toFixed(1).padStart(6, " ");
}

/** Prints the device lines; exits with status 1 like ComfyUI when torch finds no usable GPU. */
export function printDeviceLines(config: SimConfig): void {
  const ramMb = Math.round(os.totalmem() / (1024 * 1024));
  const gpu = config.cpu ? null : torchGpu(readGpus(), config.cudaDevice);
  if (!config.cpu && gpu === null) {
    const frames = [{ file: path.join(config.baseDir, "main.py"), line: 147, func: "<module>", code: "import execution" }];
    simConsole.error(formatException(frames, "RuntimeError", cudaErrorText()).trimEnd());
    process.exit(1);
  }
  if (config.cudaDevice !== null) {
    simConsole.info(`Set cuda device to: ${config.cudaDevice}`);
  }
  simConsole.info("Checkpoint files will always be loaded safely.");
  simConsole.info(`Total VRAM ${gpu === null ? ramMb : gpu.memoryTotalMiB} MB, total RAM ${ramMb} MB`);
  simConsole.info(`pytorch version: ${config.sim.pytorchVersion}`);
  simConsole.info(`Set vram state to: ${config.vramState}`);
  simConsole.info(`Device: ${gpu === null ? "cpu" : `cuda:0 ${gpu.name} : cudaMallocAsync`}`);
  simConsole.info("Using pytorch attention");
  simConsole.info(`Python version: ${config.sim.pythonVersion}`);
  simConsole.info(`ComfyUI version: ${config.sim.version}`);
  simConsole.info(`ComfyUI frontend version: ${config.sim.frontendVersion}`);
  simConsole.info(`[Prompt Server] web root: ${path.join(config.baseDir, "web")}`);
}

/** Lists the packs ComfyUI would load under the custom-node options. */
export function listPacks(config: SimConfig, folders: Folders): PackResult[] {
  // With --enable-manager, ComfyUI skips every folder whose name contains "comfyui-manager".
  const allowed = (name: string): boolean =>
    (!config.disableAllCustomNodes || config.whitelistCustomNodes.includes(name)) && !(config.enableManager && name.toLowerCase().includes("comfyui-manager"));
  return loadCustomNodePacks(folders, allowed);
}

export function printPrestartup(packs: PackResult[]): void {
  const withScripts = packs.filter((pack) => pack.prestartupSeconds !== null);
  if (withScripts.length === 0) {
    return;
  }
  simConsole.info("\nPrestartup times for custom nodes:");
  for (const pack of withScripts) {
    simConsole.info(`${secondsColumn(pack.prestartupSeconds ?? 0)} seconds: ${pack.path}`);
  }
  simConsole.info("");
}

/** Registers the classes of packs that import, logs failures, then the import-times block. */
export async function importPacks(packs: PackResult[], registry: NodeRegistry, baseDir: string): Promise<void> {
  for (const pack of packs) {
    await sleep(pack.seconds * 1000);
    if (pack.importError === null) {
      pack.classes.forEach((nodeClass) => registry.register(nodeClass));
      continue;
    }
    const { type, message } = importErrorMessage(pack.importError);
    const frames = [
      { file: path.join(baseDir, "nodes.py"), line: 2131, func: "load_custom_node", code: "module_spec.loader.exec_module(module)" },
      { file: path.join(pack.path, "__init__.py"), line: 1, func: "<module>", code: "from .nodes import NODE_CLASS_MAPPINGS" },
    ];
    simConsole.warning(formatException(frames, type, message).trimEnd());
    simConsole.warning(`Cannot import ${pack.path} module for custom nodes: ${message}`);
  }
  if (packs.length === 0) {
    return;
  }
  simConsole.info("\nImport times for custom nodes:");
  const sorted = [...packs].sort((left, right) => left.seconds - right.seconds || (left.path < right.path ? -1 : 1));
  for (const pack of sorted) {
    const failed = pack.importError === null ? "" : " (IMPORT FAILED)";
    simConsole.info(`${secondsColumn(pack.seconds)} seconds${failed}: ${pack.path}`);
  }
  simConsole.info("");
  if (packs.some((pack) => pack.importExits)) {
    process.exit(1);
  }
}

/** Formats the URL of the ready line: IPv6 in brackets, `0.0.0.0` as is. */
export function guiUrl(config: SimConfig, address: string, port: number): string {
  const scheme = config.tls === null ? "http" : "https";
  const host = address.includes(":") ? `[${address}]` : address;
  return `${scheme}://${host}:${port}`;
}
