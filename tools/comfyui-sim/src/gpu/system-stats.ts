/** The `/system_stats` body: host RAM, versions, argv and the single torch device. */
import { readFileSync } from "node:fs";
import os from "node:os";

import type { SimConfig } from "../config.js";
import { dict, type PyDict } from "../py/value.js";
import { readGpus, torchGpu } from "./preset.js";

const MIB = 1024 * 1024;

/** Returns available RAM as psutil does on Linux (`MemAvailable`), else the OS free figure. */
export function availableRam(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (match?.[1] !== undefined) {
      return Number(match[1]) * 1024;
    }
  } catch {
    // Not Linux: fall through to the portable figure.
  }
  return os.freemem();
}

/** Raised when torch would fail to query the GPU, which makes ComfyUI answer 500. */
export class GpuUnavailableError extends Error {}

export function cudaErrorText(): string {
  return "CUDA unknown error - this may be due to an incorrectly set up environment, e.g. changing env variable CUDA_VISIBLE_DEVICES after program start. Setting the available devices to be zero.";
}

/** Describes the torch device; throws `GpuUnavailableError` when the preset has no usable GPU. */
export function deviceStats(config: SimConfig): PyDict {
  const ramTotal = os.totalmem();
  if (config.cpu) {
    const ramFree = availableRam();
    return dict([
      ["name", "cpu"],
      ["type", "cpu"],
      ["index", null],
      ["vram_total", ramTotal],
      ["vram_free", ramFree],
      ["torch_vram_total", ramTotal],
      ["torch_vram_free", ramFree],
    ]);
  }
  const reading = readGpus();
  const gpu = torchGpu(reading, config.cudaDevice);
  if (gpu === null) {
    throw new GpuUnavailableError(cudaErrorText());
  }
  const total = gpu.memoryTotalMiB * MIB;
  return dict([
    ["name", `cuda:0 ${gpu.name} : cudaMallocAsync`],
    ["type", "cuda"],
    ["index", 0],
    ["vram_total", total],
    ["vram_free", Math.max(total - gpu.memoryUsedMiB * MIB, 0)],
    ["torch_vram_total", 0],
    ["torch_vram_free", 0],
  ]);
}

export function systemStats(config: SimConfig): PyDict {
  const devices = [deviceStats(config)];
  const system = dict([
    ["os", "posix"],
    ["ram_total", os.totalmem()],
    ["ram_free", availableRam()],
    ["comfyui_version", config.sim.version],
    ["required_frontend_version", config.sim.frontendVersion],
    ["installed_templates_version", config.sim.templatesVersion],
    ["required_templates_version", config.sim.templatesVersion],
    ["python_version", config.sim.pythonVersion],
    ["pytorch_version", config.sim.pytorchVersion],
    ["embedded_python", false],
    ["argv", ["main.py", ...config.argv]],
  ]);
  return dict([
    ["system", system],
    ["devices", devices],
  ]);
}
