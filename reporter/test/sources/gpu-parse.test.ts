import { describe, expect, it } from "vitest";

import { SampleAssembler } from "../../src/sources/gpu/blocks.js";
import { parseGpuRow } from "../../src/sources/gpu/parse.js";

const MIB = 1024 * 1024;

describe("parseGpuRow", () => {
  it("converts MiB to bytes", () => {
    const gpu = parseGpuRow("0, NVIDIA H100 80GB HBM3, GPU-abc, 37, 41, 142.18, 700.00, 10240, 81559, 9.0");

    expect(gpu).toEqual({
      index: 0,
      name: "NVIDIA H100 80GB HBM3",
      uuid: "GPU-abc",
      utilization_percent: 37,
      temperature_c: 41,
      power_draw_w: 142.18,
      power_limit_w: 700,
      memory_used_bytes: 10240 * MIB,
      memory_total_bytes: 81559 * MIB,
      compute_capability: "9.0",
    });
  });

  it("maps placeholders to null", () => {
    const gpu = parseGpuRow("1, NVIDIA A10G, [N/A], [Not Supported], [Unknown Error], [N/A], N/A, 512, 23028, [N/A]");

    expect(gpu?.uuid).toBeNull();
    expect(gpu?.utilization_percent).toBeNull();
    expect(gpu?.temperature_c).toBeNull();
    expect(gpu?.power_draw_w).toBeNull();
    expect(gpu?.power_limit_w).toBeNull();
    expect(gpu?.compute_capability).toBeNull();
  });

  it("rejects the NVML error line", () => {
    expect(parseGpuRow("Failed to initialize NVML: Unknown Error")).toBeNull();
  });

  it("rejects a row with units", () => {
    expect(parseGpuRow("0, H100, GPU-abc, 37 %, 41, 142.18 W, 700.00 W, 10240 MiB, 81559 MiB, 9.0")).toBeNull();
  });

  it("rejects utilization above 100", () => {
    expect(parseGpuRow("0, H100, GPU-abc, 137, 41, 142.18, 700.00, 10240, 81559, 9.0")).toBeNull();
  });

  it("rejects a missing index", () => {
    expect(parseGpuRow("[N/A], H100, GPU-abc, 37, 41, 142.18, 700.00, 10240, 81559, 9.0")).toBeNull();
  });
});

describe("SampleAssembler", () => {
  const row = (index: number): NonNullable<ReturnType<typeof parseGpuRow>> => ({
    index,
    name: "GPU",
    uuid: null,
    utilization_percent: null,
    temperature_c: null,
    power_draw_w: null,
    power_limit_w: null,
    memory_used_bytes: null,
    memory_total_bytes: null,
    compute_capability: null,
  });

  it("closes a sample when the index restarts", () => {
    const samples: number[][] = [];
    const assembler = new SampleAssembler((gpus) => samples.push(gpus.map((gpu) => gpu.index)), 60_000);

    for (const index of [0, 1, 0, 1, 0]) {
      assembler.push(row(index));
    }
    assembler.clear();

    expect(samples).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it("closes a known-shape sample at once", () => {
    const samples: number[][] = [];
    const assembler = new SampleAssembler((gpus) => samples.push(gpus.map((gpu) => gpu.index)), 60_000);

    for (const index of [0, 1, 0, 1]) {
      assembler.push(row(index));
    }

    expect(samples).toEqual([
      [0, 1],
      [0, 1],
    ]);
    assembler.clear();
  });

  it("keeps earlier GPUs when one appears", async () => {
    const samples: number[][] = [];
    const assembler = new SampleAssembler((gpus) => samples.push(gpus.map((gpu) => gpu.index)), 10);

    assembler.push(row(0));
    await new Promise((resolve) => setTimeout(resolve, 40));
    assembler.push(row(0));
    assembler.push(row(1));
    await new Promise((resolve) => setTimeout(resolve, 40));

    expect(samples).toEqual([[0], [0], [0, 1]]);
    assembler.clear();
  });

  it("closes a sample after the quiet time", async () => {
    const samples: number[][] = [];
    const assembler = new SampleAssembler((gpus) => samples.push(gpus.map((gpu) => gpu.index)), 10);

    assembler.push(row(0));
    assembler.push(row(1));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(samples).toEqual([[0, 1]]);
  });
});
