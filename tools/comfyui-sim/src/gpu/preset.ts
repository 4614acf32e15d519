/**
 * Reads the GPU preset shared with the fake nvidia-smi. The file is read on every call, so a
 * test can switch GPUs (or make the GPU fail) by rewriting it while the simulator runs.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface GpuInfo {
  index: number;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB: number;
}

export type GpuReading = { ok: true; driverVersion: string; cudaVersion: string; gpus: GpuInfo[] } | { ok: false; reason: string };

/** Finds `tools/fake-nvidia-smi/presets` from this file, in `src/` and in the `dist/` bundle alike. */
function presetsDir(): string {
  const override = process.env.COMFYUI_SIM_PRESETS_DIR;
  if (override !== undefined && override !== "") {
    return override;
  }
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth += 1) {
    const candidate = path.join(dir, "fake-nvidia-smi", "presets");
    if (existsSync(candidate)) {
      return candidate;
    }
    dir = path.dirname(dir);
  }
  return path.join(path.dirname(fileURLToPath(import.meta.url)), "presets");
}

/** Returns the preset file selected by `FAKE_NVIDIA_SMI_PRESET`: a name under presets/ or an absolute path. */
export function presetPath(): string {
  const selected = process.env.FAKE_NVIDIA_SMI_PRESET ?? "h100";
  if (path.isAbsolute(selected)) {
    return selected;
  }
  return path.join(presetsDir(), `${selected}.json`);
}

function numberField(gpu: Record<string, unknown>, key: string): number {
  const raw = gpu[key];
  return typeof raw === "number" ? raw : 0;
}

/** Reads the preset now. An unreadable file or `failure: "nvml"` gives `ok: false`. */
export function readGpus(): GpuReading {
  const file = presetPath();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { ok: false, reason: `cannot read GPU preset ${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof parsed !== "object" || parsed === null) {
    return { ok: false, reason: `GPU preset ${file} is not a JSON object` };
  }
  const preset = parsed as Record<string, unknown>;
  if (preset.failure === "nvml") {
    return { ok: false, reason: "nvml" };
  }
  const gpus = Array.isArray(preset.gpus) ? preset.gpus : [];
  return {
    ok: true,
    driverVersion: String(preset.driver_version ?? ""),
    cudaVersion: String(preset.cuda_version ?? ""),
    gpus: gpus
      .filter((gpu): gpu is Record<string, unknown> => typeof gpu === "object" && gpu !== null)
      .map((gpu, position) => ({
        index: typeof gpu.index === "number" ? gpu.index : position,
        name: String(gpu.name ?? "NVIDIA GPU"),
        memoryTotalMiB: numberField(gpu, "memory.total"),
        memoryUsedMiB: numberField(gpu, "memory.used"),
      })),
  };
}

/** Picks the GPU torch sees as `cuda:0`: the `--cuda-device` one, else the first. */
export function torchGpu(reading: GpuReading, cudaDevice: number | null): GpuInfo | null {
  if (!reading.ok) {
    return null;
  }
  if (cudaDevice === null) {
    return reading.gpus[0] ?? null;
  }
  return reading.gpus.find((gpu) => gpu.index === cudaDevice) ?? null;
}
