import { describe, expect, it } from "vitest";

import { runFake } from "./run.js";

const REPORTER_FIELDS = "index,name,uuid,utilization.gpu,temperature.gpu,power.draw,power.limit,memory.used,memory.total,compute_cap";

describe("--query-gpu", () => {
  it("prints header and values with units", async () => {
    const result = await runFake([`--query-gpu=${REPORTER_FIELDS}`, "--format=csv"], "rtx4090x2");

    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      "index, name, uuid, utilization.gpu [%], temperature.gpu, power.draw [W], power.limit [W], memory.used [MiB], memory.total [MiB], compute_cap",
      "0, NVIDIA GeForce RTX 4090, GPU-5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10, 45 %, 62, 212.40 W, 450.00 W, 8397 MiB, 24564 MiB, 8.9",
      "1, NVIDIA GeForce RTX 4090, GPU-9c2e7d13-4a6b-4f08-b1d9-8e5f3c2a7b64, 0 %, 34, 21.70 W, 450.00 W, 3 MiB, 24564 MiB, 8.9",
      "",
    ]);
  });

  it("drops units from values with nounits", async () => {
    const result = await runFake([`--query-gpu=${REPORTER_FIELDS}`, "--format=csv,noheader,nounits"], "h100");

    expect(result.stdout).toBe("0, NVIDIA H100 80GB HBM3, GPU-3f1c9a52-7d44-4b1e-8a2f-0c6d5e4b3a21, 37, 41, 142.18, 700.00, 10240, 81559, 9.0\n");
  });

  it("keeps header units with nounits", async () => {
    const result = await runFake(["--query-gpu=memory.used,fan.speed", "--format=csv,nounits"], "rtx4090x2");

    expect(result.stdout.split("\n")[0]).toBe("memory.used [MiB], fan.speed [%]");
  });

  it("prints [N/A] and [Not Supported] verbatim", async () => {
    const result = await runFake(["--query-gpu=power.draw,power.limit,utilization.memory", "--format=csv"], "na-power");

    expect(result.stdout.split("\n")[1]).toBe("[N/A], [N/A], [Not Supported]");
  });

  it("prints [N/A] for a valid field missing from the preset", async () => {
    const result = await runFake(["--query-gpu=clocks.sm", "--format=csv,noheader"], "h100");

    expect(result.stdout).toBe("[N/A]\n");
  });

  it("accepts field aliases", async () => {
    const result = await runFake(["--query-gpu=gpu_name,gpu_uuid", "--format=csv"], "h100");

    expect(result.stdout).toBe("name, uuid\nNVIDIA H100 80GB HBM3, GPU-3f1c9a52-7d44-4b1e-8a2f-0c6d5e4b3a21\n");
  });

  it("derives memory.free from total and used", async () => {
    const result = await runFake(["--query-gpu=memory.free", "--format=csv,noheader"], "h100");

    expect(result.stdout).toBe("71319 MiB\n");
  });

  it("rejects an unknown field", async () => {
    const result = await runFake(["--query-gpu=index,bogus.field", "--format=csv"]);

    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('Field "bogus.field" is not a valid field to query.\n\n');
  });

  it("rejects a query without --format", async () => {
    const result = await runFake(["--query-gpu=index"]);

    expect(result.exitCode).toBe(2);
  });

  it("selects one GPU with -i", async () => {
    const result = await runFake(["--query-gpu=index,uuid", "--format=csv,noheader", "-i", "1"], "rtx4090x2");

    expect(result.stdout).toBe("1, GPU-9c2e7d13-4a6b-4f08-b1d9-8e5f3c2a7b64\n");
  });

  it("selects a GPU by UUID with --id", async () => {
    const result = await runFake(["--query-gpu=index", "--format=csv,noheader", "--id=GPU-5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10"], "rtx4090x2");

    expect(result.stdout).toBe("0\n");
  });

  it("exits 6 for an unknown -i", async () => {
    const result = await runFake(["--query-gpu=index", "--format=csv", "-i", "7"], "h100");

    expect(result.exitCode).toBe(6);
    expect(result.stdout).toBe("No devices were found\n");
  });
});
