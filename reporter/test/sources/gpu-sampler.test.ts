import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import type { GpuState } from "../../src/sources/gpu/index.js";
import { GpuSampler } from "../../src/sources/gpu/index.js";
import { selectPresetCopy, switchPreset, useFakeNvidiaSmi } from "../fixtures/fake-nvidia-smi.js";

const MIB = 1024 * 1024;
const logger = pino({ level: "silent" });
const FAST_BACKOFF = { initialMs: 50, maxMs: 200, factor: 2 };
const FAILING_BINARY = fileURLToPath(new URL("../fixtures/failing-bin/nvidia-smi", import.meta.url));

let dir = "";
let presetFile = "";
const samplers: GpuSampler[] = [];

beforeAll(async () => {
  useFakeNvidiaSmi();
  dir = await mkdtemp(join(tmpdir(), "gpu-sampler-"));
  presetFile = join(dir, "preset.json");
});

afterEach(async () => {
  await Promise.all(samplers.splice(0).map((sampler) => sampler.stop()));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function startSampler(options: Partial<ConstructorParameters<typeof GpuSampler>[0]> = {}): GpuSampler {
  const sampler = new GpuSampler({ logger, intervalMs: 100, backoff: FAST_BACKOFF, settleMs: 30, ...options });
  samplers.push(sampler);
  sampler.start();
  return sampler;
}

/** Resolves with the first state (current or later) that satisfies `accept`. */
function waitForState(sampler: GpuSampler, accept: (state: GpuState) => boolean, timeoutMs = 5_000): Promise<GpuState> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`GPU state did not match within ${timeoutMs} ms; last: ${JSON.stringify(sampler.current())}`));
    }, timeoutMs);
    const check = (state: GpuState): void => {
      if (accept(state)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(state);
      }
    };
    const unsubscribe = sampler.subscribe(check);
    check(sampler.current());
  });
}

const hasGpus = (state: GpuState): boolean => state.gpus.length > 0 && state.gpu_error === null;

describe("GpuSampler", () => {
  it("reports no_sample_yet before the first sample", () => {
    const sampler = new GpuSampler({ logger, now: () => new Date("2030-01-02T03:04:05.000Z") });

    const state = sampler.current();

    expect(state.gpus).toEqual([]);
    expect(state.gpu_error?.code).toBe("no_sample_yet");
    expect(state.gpu_error?.since).toBe("2030-01-02T03:04:05.000Z");
  });

  it("parses the H100 preset", async () => {
    await selectPresetCopy("h100", presetFile);
    const sampler = startSampler();

    const state = await waitForState(sampler, hasGpus);

    expect(state.gpus).toEqual([
      {
        index: 0,
        name: "NVIDIA H100 80GB HBM3",
        uuid: "GPU-3f1c9a52-7d44-4b1e-8a2f-0c6d5e4b3a21",
        utilization_percent: 37,
        temperature_c: 41,
        power_draw_w: 142.18,
        power_limit_w: 700,
        memory_used_bytes: 10240 * MIB,
        memory_total_bytes: 81559 * MIB,
        compute_capability: "9.0",
      },
    ]);
  });

  it("groups two GPUs into each sample", async () => {
    await selectPresetCopy("rtx4090x2", presetFile);
    const sampler = startSampler();
    const sizes: number[] = [];
    sampler.subscribe((state) => sizes.push(state.gpus.length));

    await waitForState(sampler, () => sizes.length >= 3);

    expect(sizes.slice(0, 3)).toEqual([2, 2, 2]);
  });

  it("maps [N/A] power to null", async () => {
    await selectPresetCopy("na-power", presetFile);
    const sampler = startSampler();

    const state = await waitForState(sampler, hasGpus);

    expect(state.gpus[0]?.power_draw_w).toBeNull();
    expect(state.gpus[0]?.power_limit_w).toBeNull();
  });

  it("keeps the last GPUs when NVML fails", async () => {
    await selectPresetCopy("rtx4090x2", presetFile);
    const sampler = startSampler();
    await waitForState(sampler, hasGpus);

    await switchPreset("nvml-failure", presetFile);
    const state = await waitForState(sampler, (candidate) => candidate.gpu_error?.code === "nvml_failed");

    expect(state.gpus).toHaveLength(2);
    expect(state.gpu_error?.message).toContain("GPU lost — restart the container");
  });

  it("recovers after nvidia-smi works again", async () => {
    await selectPresetCopy("nvml-failure", presetFile);
    const sampler = startSampler();
    await waitForState(sampler, (state) => state.gpu_error?.code === "nvml_failed");

    await switchPreset("h100", presetFile);
    const state = await waitForState(sampler, hasGpus);

    expect(state.gpus[0]?.name).toBe("NVIDIA H100 80GB HBM3");
  });

  it("reports a missing nvidia-smi", async () => {
    const sampler = startSampler({ binary: "nvidia-smi-that-does-not-exist" });

    const state = await waitForState(sampler, (candidate) => candidate.gpu_error?.code !== "no_sample_yet");

    expect(state.gpu_error?.code).toBe("nvidia_smi_missing");
  });

  it("reports other failures with their output", async () => {
    const sampler = startSampler({ binary: FAILING_BINARY });

    const state = await waitForState(sampler, (candidate) => candidate.gpu_error?.code !== "no_sample_yet");

    expect(state.gpu_error?.code).toBe("nvidia_smi_failed");
    expect(state.gpu_error?.message).toContain("exited with code 9");
    expect(state.gpu_error?.message).toContain("couldn't find libnvidia-ml.so");
  });

  it("kills nvidia-smi on stop", async () => {
    await selectPresetCopy("h100", presetFile);
    const sampler = startSampler();
    await waitForState(sampler, hasGpus);
    const pid = sampler.pid;

    await sampler.stop();

    expect(pid).toBeTypeOf("number");
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
  });

  it("uses -lms below a second", () => {
    const sampler = new GpuSampler({ logger, intervalMs: 500 });

    expect(sampler.args().slice(-2)).toEqual(["-lms", "500"]);
  });

  it("uses -l for whole seconds", () => {
    const sampler = new GpuSampler({ logger, intervalMs: 2_000 });

    expect(sampler.args().slice(-2)).toEqual(["-l", "2"]);
  });
});
