/**
 * Which ComfyUI-Manager the simulated server carries. v4 is the pip package, loaded with
 * `--enable-manager`; legacy is the custom node in `custom_nodes/comfyui-manager`, whose
 * `comfyui-sim.json` may set `manager_version` (default `V3.41`). Up to 3.39 its actions are
 * GET routes with query strings; from 3.40 they are POST routes with JSON bodies.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import type { SimConfig } from "../config.js";

export type ManagerFlavour = { kind: "none" } | { kind: "legacy"; version: string; getRoutes: boolean } | { kind: "v4"; version: string };

export const LEGACY_FOLDER = "comfyui-manager";
const V4_VERSION = "V4.2.2";

/** Compares dotted versions such as `3.39.3` and `3.40`; missing parts count as 0. */
export function compareVersions(left: string, right: string): number {
  const a = left.replace(/^V/i, "").split(".").map(Number);
  const b = right.replace(/^V/i, "").split(".").map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

export function detectFlavour(config: SimConfig, customNodesDir: string): ManagerFlavour {
  if (config.enableManager) {
    return { kind: "v4", version: V4_VERSION };
  }
  const folder = path.join(customNodesDir, LEGACY_FOLDER);
  if (!existsSync(folder)) {
    return { kind: "none" };
  }
  let version = "V3.41";
  try {
    const declared = JSON.parse(readFileSync(path.join(folder, "comfyui-sim.json"), "utf8")) as { manager_version?: unknown };
    if (typeof declared.manager_version === "string") {
      version = declared.manager_version;
    }
  } catch {
    // A pack without a declaration is the default legacy version.
  }
  return { kind: "legacy", version, getRoutes: compareVersions(version, "3.40") < 0 };
}

/**
 * Manager's data folder: `<user>/__manager` on cores with the system-user API (0.3.76 and
 * later), else `<user>/default/ComfyUI-Manager`.
 */
export function managerDataDir(config: SimConfig): string {
  return compareVersions(config.sim.version, "0.3.76") >= 0 ? path.join(config.userDir, "__manager") : path.join(config.userDir, "default", "ComfyUI-Manager");
}
