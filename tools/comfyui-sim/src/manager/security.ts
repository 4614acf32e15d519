/** Manager's security gates: `config.ini` levels, loopback listening and the outdated-core lock. */
import { readFileSync } from "node:fs";
import path from "node:path";

import type { SimConfig } from "../config.js";
import { compareVersions, type ManagerFlavour } from "./flavour.js";

export interface ManagerSettings {
  securityLevel: "strong" | "normal" | "normal-" | "weak";
  networkMode: string;
  allowGitUrlInstall: boolean;
}

/** Reads `[default]` keys of `config.ini`; the file is read once at start, like Manager does. */
export function readSettings(dataDir: string): ManagerSettings {
  let text = "";
  try {
    text = readFileSync(path.join(dataDir, "config.ini"), "utf8");
  } catch {
    // No file: Manager writes its defaults.
  }
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] !== undefined) {
      values.set(match[1], match[2] ?? "");
    }
  }
  const level = values.get("security_level");
  return {
    securityLevel: level === "strong" || level === "normal-" || level === "weak" ? level : "normal",
    networkMode: values.get("network_mode") ?? "public",
    allowGitUrlInstall: values.get("allow_git_url_install")?.toLowerCase() === "true",
  };
}

/** The refusal of an action, or null when it is allowed. */
export type Refusal = { reason: "comfyui_outdated" | "security_level"; log: string } | null;

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export class SecurityGate {
  readonly loopback: boolean;
  readonly outdatedCore: boolean;

  constructor(
    readonly settings: ManagerSettings,
    config: SimConfig,
    flavour: ManagerFlavour,
  ) {
    this.loopback = config.listen.every((address) => LOOPBACK.has(address));
    // Manager 3.38 and later lock a core without the system-user API (before 0.3.76) to "strong".
    this.outdatedCore = flavour.kind === "legacy" && compareVersions(flavour.version, "3.38") >= 0 && compareVersions(config.sim.version, "0.3.76") < 0;
  }

  /** `middle`: normal, normal- and weak allow it. */
  middle(): Refusal {
    if (this.outdatedCore) {
      return { reason: "comfyui_outdated", log: "ERROR: ComfyUI is outdated; ComfyUI-Manager allows no changes until ComfyUI is updated to 0.3.76 or later." };
    }
    if (this.settings.securityLevel === "strong") {
      return { reason: "security_level", log: "ERROR: To use this action, security_level must be `normal or below`" };
    }
    return null;
  }

  /** v4's `middle+`: also needs loopback listening or `network_mode = personal_cloud`. */
  middlePlus(): Refusal {
    const middle = this.middle();
    if (middle !== null) {
      return middle;
    }
    if (!this.loopback && this.settings.networkMode !== "personal_cloud") {
      return { reason: "security_level", log: "ERROR: To use this action, security_level must be `normal or below`, and ComfyUI must listen on a loopback address or network_mode must be personal_cloud" };
    }
    return null;
  }
}
