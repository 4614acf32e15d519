import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

import { systemSchema } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CpuUsageMeter, DISK_STATS_FILE_ENV, readDiskStats, readMemory, SystemSource, tidyCpuModel } from "../../src/sources/system/index.js";

let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "system-source-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hostSchema = systemSchema.omit({ gpus: true, gpu_error: true });

describe("SystemSource", () => {
  it("returns a reading that fits the schema", async () => {
    const source = new SystemSource({ workspacePath: dir, env: {} });

    const reading = await source.read();

    expect(hostSchema.safeParse(reading).success).toBe(true);
    expect(reading.hostname).toBe(hostname());
    expect(reading.disk.path).toBe(dir);
  });

  it("reports used memory below total", async () => {
    const reading = await new SystemSource({ workspacePath: dir, env: {} }).read();

    expect(reading.memory.used_bytes).toBeGreaterThan(0);
    expect(reading.memory.used_bytes).toBeLessThan(reading.memory.total_bytes);
  });

  it("takes disk stats from the override file", async () => {
    const file = join(dir, "disk.json");
    await writeFile(file, JSON.stringify({ total_bytes: 1000, used_bytes: 950, free_bytes: 50 }));
    const source = new SystemSource({ workspacePath: "/workspace", env: { [DISK_STATS_FILE_ENV]: file } });

    const first = await source.read();
    await writeFile(file, JSON.stringify({ total_bytes: 1000, used_bytes: 100, free_bytes: 900 }));
    const second = await source.read();

    expect(first.disk).toEqual({ path: "/workspace", total_bytes: 1000, used_bytes: 950, free_bytes: 50 });
    expect(second.disk.used_bytes).toBe(100);
  });

  it("rejects an invalid override file", async () => {
    const file = join(dir, "bad-disk.json");
    await writeFile(file, JSON.stringify({ total_bytes: -1 }));

    await expect(readDiskStats(dir, { [DISK_STATS_FILE_ENV]: file })).rejects.toThrow(/COMFYCARRY_DISK_STATS_FILE=.*is invalid/);
  });
});

describe("readDiskStats", () => {
  it("measures the filesystem holding the path", async () => {
    const stats = await readDiskStats(dir, {});

    expect(stats.total_bytes).toBeGreaterThan(0);
    expect(stats.used_bytes + stats.free_bytes).toBeLessThanOrEqual(stats.total_bytes);
  });

  it("uses the nearest parent of a missing path", async () => {
    await mkdir(join(dir, "present"), { recursive: true });

    const missing = await readDiskStats(join(dir, "present", "not", "yet"), {});
    const parent = await readDiskStats(join(dir, "present"), {});

    expect(missing.total_bytes).toBe(parent.total_bytes);
  });
});

describe("CpuUsageMeter", () => {
  it("rises while a core is busy", () => {
    const meter = new CpuUsageMeter();
    const end = Date.now() + 300;
    while (Date.now() < end) {
      // Keep this core busy so the meter has CPU time to see.
    }

    const usage = meter.read();

    expect(usage).toBeGreaterThan(0);
    expect(usage).toBeLessThanOrEqual(100);
  });
});

describe("readMemory", () => {
  it("counts reclaimable cache as free", async () => {
    const memory = await readMemory();
    const meminfo = await readFile("/proc/meminfo", "utf8");
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(meminfo)?.[1]) * 1024;

    expect(memory.total_bytes).toBe(kib("MemTotal"));
    // Available memory moves between the two reads; a few MiB of slack covers that.
    expect(Math.abs(memory.used_bytes - (kib("MemTotal") - kib("MemAvailable")))).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("tidyCpuModel", () => {
  it("drops trademarks and the clock speed", () => {
    expect(tidyCpuModel("Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz")).toBe("Intel Xeon Platinum 8480+");
  });

  it("drops a trailing Processor", () => {
    expect(tidyCpuModel("AMD EPYC 7B13 64-Core Processor")).toBe("AMD EPYC 7B13 64-Core");
  });

  it("names an empty model unknown", () => {
    expect(tidyCpuModel("  ")).toBe("unknown");
  });
});
