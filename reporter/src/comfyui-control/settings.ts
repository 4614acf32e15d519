/** Settings of ComfyUI control, from the reporter's configuration and a few variables of its own. */
import { existsSync } from "node:fs";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

/** Settings the control modules read: folders, service, Python, logs and time limits. */
export interface ControlSettings {
  /** The ComfyUI git checkout that holds main.py and custom_nodes/. */
  comfyuiDir: string;
  /** ComfyUI's HTTP address; its port is passed as `--port`. */
  comfyuiUrl: string;
  /** PM2 process name of ComfyUI. */
  service: string;
  /** The Python that runs main.py and pip. */
  python: string;
  /** Folder of this feature's state: launch options, logs, prompt journal, snapshots. */
  stateDir: string;
  /** ComfyUI's log file (stdout and stderr together) and its rotation. */
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  /** Default wait for ComfyUI to answer after a start, in seconds. */
  startTimeoutS: number;
}

/** The reporter configuration fields this feature reads. */
export interface ControlConfigSource {
  comfyuiDir: string;
  comfyuiUrl: string;
  comfyuiService: string;
  stateDir: string;
}

/**
 * Builds the settings. `COMFYUI_PYTHON` names the Python (default: the checkout's `venv/bin/python`
 * when it exists, else `python3`); `COMFYUI_LOG_MAX_BYTES` and `COMFYUI_LOG_KEEP` size the log
 * rotation; `COMFYUI_START_TIMEOUT_S` bounds the wait for ComfyUI after a start.
 */
export function controlSettings(config: ControlConfigSource, env: Record<string, string | undefined> = process.env): ControlSettings {
  const stateDir = join(config.stateDir, "comfyui");
  const venvPython = join(config.comfyuiDir, "venv", "bin", "python");
  return {
    comfyuiDir: config.comfyuiDir,
    comfyuiUrl: config.comfyuiUrl.replace(/\/+$/, ""),
    service: config.comfyuiService,
    python: nonEmpty(env["COMFYUI_PYTHON"]) ?? (existsSync(venvPython) ? venvPython : "python3"),
    stateDir,
    logFile: join(stateDir, "logs", "comfyui.log"),
    logMaxBytes: whole(env, "COMFYUI_LOG_MAX_BYTES", 10 * 1024 * 1024, 1024),
    logKeep: whole(env, "COMFYUI_LOG_KEEP", 5, 1),
    startTimeoutS: whole(env, "COMFYUI_START_TIMEOUT_S", 120, 1),
  };
}

/** Returns the port ComfyUI listens on, from its URL (80 or 443 when the URL names none). */
export function comfyuiPort(settings: ControlSettings): number {
  const url = new URL(settings.comfyuiUrl);
  if (url.port !== "") {
    return Number(url.port);
  }
  return url.protocol === "https:" ? 443 : 80;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function whole(env: Record<string, string | undefined>, name: string, fallback: number, min: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ComfyCarryError("invalid_arguments", `${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}. Fix the variable or unset it.`, { variable: name });
  }
  return value;
}
