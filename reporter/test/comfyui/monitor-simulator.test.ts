import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import type { Service } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ComfyuiHttp } from "../../src/comfyui/http.js";
import { ComfyuiMonitor } from "../../src/comfyui/monitor.js";
import { createRootLogger } from "../../src/log/logger.js";
import type { ServiceManager } from "../../src/snapshot/sources.js";
import { Simulator } from "../helpers/simulator.js";

// The simulator reads its GPU preset on every request, so switching the preset file to the
// NVML-failure one makes /system_stats return 500 while /queue and prompts keep working.
const PRESETS = fileURLToPath(new URL("../../../tools/fake-nvidia-smi/presets/", import.meta.url));

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

let dir: string;
let presetFile: string;
let simulator: Simulator;
const presetBefore = process.env.FAKE_NVIDIA_SMI_PRESET;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "monitor-sim-"));
  presetFile = join(dir, "gpu-preset.json");
  await copyFile(join(PRESETS, "h100.json"), presetFile);
  // The simulator inherits this variable. It starts on a working GPU, because Simulator.start waits for /system_stats to respond.
  process.env.FAKE_NVIDIA_SMI_PRESET = presetFile;
  simulator = await Simulator.start({ baseDir: join(dir, "comfyui"), stepMs: 40 });
});

afterAll(async () => {
  await simulator.kill();
  if (presetBefore === undefined) {
    delete process.env.FAKE_NVIDIA_SMI_PRESET;
  } else {
    process.env.FAKE_NVIDIA_SMI_PRESET = presetBefore;
  }
  await rm(dir, { recursive: true, force: true });
});

function onlineService(): Service {
  return { name: "comfy", pm_id: 0, status: "online", pid: 4242, started_at: null, uptime_s: 1, restarts: 0, cpu_percent: 0, memory_bytes: 0 };
}

describe("ComfyUI monitor with the simulator", () => {
  it("stays online through an NVML failure", async () => {
    const services: ServiceManager = {
      list: () => Promise.resolve([onlineService()]),
      start: () => Promise.resolve(onlineService()),
      stop: () => Promise.resolve(onlineService()),
      restart: () => Promise.resolve(onlineService()),
    };
    const http = new ComfyuiHttp(simulator.url);
    const monitor = new ComfyuiMonitor({ http, services, serviceName: "comfy", log });
    await monitor.check();
    const versionBefore = monitor.health.version;

    await copyFile(join(PRESETS, "nvml-failure.json"), presetFile);
    const statsFailure = await http.systemStats().then(
      () => null,
      (error: unknown) => error,
    );
    await monitor.check();

    expect(versionBefore).not.toBeNull();
    expect(statsFailure).toBeInstanceOf(Error);
    expect(monitor.health.state).toBe("online");
    expect(monitor.health.online).toBe(true);
    expect(monitor.health.version).toBe(versionBefore);
  });
});
