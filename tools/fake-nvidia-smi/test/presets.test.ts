import { describe, expect, it } from "vitest";

import { runFake } from "./run.js";

describe("presets", () => {
  it("defaults to one H100", async () => {
    const result = await runFake(["-L"], null);

    expect(result.stdout).toBe("GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-3f1c9a52-7d44-4b1e-8a2f-0c6d5e4b3a21)\n");
  });

  it("lists two RTX 4090", async () => {
    const result = await runFake(["--list-gpus"], "rtx4090x2");

    expect(result.stdout).toBe(
      "GPU 0: NVIDIA GeForce RTX 4090 (UUID: GPU-5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10)\n" +
        "GPU 1: NVIDIA GeForce RTX 4090 (UUID: GPU-9c2e7d13-4a6b-4f08-b1d9-8e5f3c2a7b64)\n",
    );
  });

  it("reports no power on na-power", async () => {
    const result = await runFake(["--query-gpu=name,power.draw", "--format=csv,noheader,nounits"], "na-power");

    expect(result.stdout).toBe("NVIDIA A10G, [N/A]\n");
  });

  it("fails NVML on nvml-failure", async () => {
    const result = await runFake(["--query-gpu=index", "--format=csv"], "nvml-failure");

    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe("Failed to initialize NVML: Unknown Error\n");
  });

  it("fails NVML for -L too", async () => {
    const result = await runFake(["-L"], "nvml-failure");

    expect(result.exitCode).toBe(255);
  });

  it("prints a summary table", async () => {
    const result = await runFake([], "rtx4090x2");

    expect(result.stdout).toMatch(/Driver Version: 550\.127\.05 +CUDA Version: 12\.4/);
    expect(result.stdout).toMatch(/\| +1 NVIDIA GeForce RTX 4090 +34C +22W \/ 450W +3MiB \/ 24564MiB +0%/);
  });

  it("rejects a preset name with a slash", async () => {
    const result = await runFake(["-L"], "../etc/passwd");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("invalid FAKE_NVIDIA_SMI_PRESET");
  });

  it("names a missing preset file", async () => {
    const result = await runFake(["-L"], "no-such-preset");

    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("no-such-preset.json");
  });

  it("rejects an unknown option", async () => {
    const result = await runFake(["--frobnicate"]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("Invalid combination of input arguments");
  });
});
