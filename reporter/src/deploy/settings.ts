/** Settings of the deploy engine: folders and defaults, from the reporter's configuration and a few variables. */
import { join } from "node:path";

/** Upstream ComfyUI; used only when neither the request nor COMFYUI_REPOSITORY names a repository. */
const UPSTREAM_COMFYUI = "https://github.com/comfyanonymous/ComfyUI.git";

export interface DeploySettings {
  workspaceDir: string;
  comfyuiDir: string;
  /** The deploy engine's own state: deploy.sqlite, constraints, partial clones. */
  stateDir: string;
  /** Repository cloned when the request names none. */
  defaultRepository: string;
  /** Python that builds ComfyUI's venv. */
  basePython: string;
  /** An interpreter the owner set for ComfyUI (COMFYUI_PYTHON); it is adopted, never rebuilt. */
  adoptedPython: string | null;
  /** Free disk space preflight requires in the workspace, in bytes. */
  minFreeBytes: number;
}

export interface DeployConfigSource {
  workspaceDir: string;
  comfyuiDir: string;
  stateDir: string;
}

/**
 * Builds the settings. `COMFYUI_REPOSITORY` sets the default repository, `COMFYCARRY_DEPLOY_PYTHON`
 * the Python that builds the venv (default python3), `COMFYUI_PYTHON` an existing interpreter to
 * adopt, and `COMFYCARRY_DEPLOY_MIN_FREE_GB` the free space preflight needs (default 10 GB).
 */
export function deploySettings(config: DeployConfigSource, env: Record<string, string | undefined> = process.env): DeploySettings {
  const minFreeGb = Number(env["COMFYCARRY_DEPLOY_MIN_FREE_GB"] ?? "10");
  return {
    workspaceDir: config.workspaceDir,
    comfyuiDir: config.comfyuiDir,
    stateDir: join(config.stateDir, "deploy"),
    defaultRepository: nonEmpty(env["COMFYUI_REPOSITORY"]) ?? UPSTREAM_COMFYUI,
    basePython: nonEmpty(env["COMFYCARRY_DEPLOY_PYTHON"]) ?? "python3",
    adoptedPython: nonEmpty(env["COMFYUI_PYTHON"]),
    minFreeBytes: Number.isFinite(minFreeGb) && minFreeGb >= 0 ? minFreeGb * 1024 ** 3 : 10 * 1024 ** 3,
  };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
