import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { NVIDIA_SMI } from "./run.js";

const PRESETS = new URL("../presets/", import.meta.url);

let dir = "";
let presetFile = "";
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fake-nvidia-smi-"));
  presetFile = join(dir, "preset.json");
  await writeFile(presetFile, await readFile(new URL("h100.json", PRESETS)));
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.kill();
  }
  await rm(dir, { recursive: true, force: true });
});

/** Replaces the preset the way tests are meant to: write a temp file, then rename over. */
async function switchPreset(mutate: (preset: Record<string, unknown>) => void): Promise<void> {
  const preset = JSON.parse(await readFile(presetFile, "utf8")) as Record<string, unknown>;
  mutate(preset);
  await writeFile(`${presetFile}.tmp`, JSON.stringify(preset));
  await rename(`${presetFile}.tmp`, presetFile);
}

function startLoop(args: string[]): { child: ChildProcess; lines: AsyncIterator<string> } {
  const child = spawn(NVIDIA_SMI, args, { env: { ...process.env, FAKE_NVIDIA_SMI_PRESET: presetFile } });
  children.push(child);
  if (child.stdout === null) {
    throw new Error("spawned nvidia-smi without a stdout pipe");
  }
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next();
  if (next.done === true) {
    throw new Error("nvidia-smi closed stdout before printing another line");
  }
  return next.value;
}

describe("loop mode", () => {
  it("prints the header once", async () => {
    const { lines } = startLoop(["--query-gpu=index,utilization.gpu", "--format=csv", "-lms", "50"]);

    const firstThree = [await nextLine(lines), await nextLine(lines), await nextLine(lines)];

    expect(firstThree).toEqual(["index, utilization.gpu [%]", "0, 37 %", "0, 37 %"]);
  });

  it("re-reads a rewritten preset", async () => {
    const { lines } = startLoop(["--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "--loop-ms=50"]);
    expect(await nextLine(lines)).toBe("37");

    await switchPreset((preset) => {
      const gpus = preset["gpus"] as Record<string, unknown>[];
      const gpu = gpus[0];
      if (gpu !== undefined) {
        gpu["utilization.gpu"] = 99;
      }
    });

    let line = await nextLine(lines);
    while (line === "37") {
      line = await nextLine(lines);
    }
    expect(line).toBe("99");
  });

  it("exits 255 when NVML fails mid-loop", async () => {
    const { child, lines } = startLoop(["--query-gpu=index", "--format=csv,noheader", "-lms", "50"]);
    const exited = once(child, "exit");
    expect(await nextLine(lines)).toBe("0");

    await switchPreset((preset) => {
      preset["failure"] = "nvml";
    });

    let line = await nextLine(lines);
    while (line === "0") {
      line = await nextLine(lines);
    }
    const [exitCode] = (await exited) as [number | null];
    expect(line).toBe("Failed to initialize NVML: Unknown Error");
    expect(exitCode).toBe(255);
  });

  it("accepts -l in seconds", async () => {
    const { lines } = startLoop(["--query-gpu=index", "--format=csv,noheader", "-l", "1"]);

    expect(await nextLine(lines)).toBe("0");
  });
});
