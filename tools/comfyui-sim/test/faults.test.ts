/** Crash and hang controls: environment triggers, simulator flags and the control port. */
import { copyFileSync, renameSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import os from "node:os";
import path from "node:path";

import { describe, expect, test } from "vitest";

import { SIM_ENTRY, startSim, type SimHandle } from "./helpers/sim.js";
import { postJson, txt2img } from "./helpers/workflow.js";

const CONTROL_LINE = /\[comfyui-sim\] control port: (http:\/\/127\.0\.0\.1:\d+)/;

/** Returns whether `/system_stats` responds within `ms`. */
async function answers(sim: SimHandle, ms: number): Promise<boolean> {
  try {
    const response = await fetch(`${sim.url}/system_stats`, { signal: AbortSignal.timeout(ms) });
    return response.ok;
  } catch {
    return false;
  }
}

function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

describe("crash", () => {
  test("COMFYUI_SIM_CRASH=prompt exits with status 1 when a prompt starts", async () => {
    const sim = await startSim({ env: { COMFYUI_SIM_CRASH: "prompt" } });
    await postJson(sim.url, "/prompt", { prompt: txt2img() }).catch(() => undefined);
    const { code } = await sim.exited;
    expect(code).toBe(1);
    await sim.stop();
  });

  test("crash code can be a signal", async () => {
    const sim = await startSim({ args: ["--sim-crash", "step", "--sim-crash-code", "SIGKILL"] });
    await postJson(sim.url, "/prompt", { prompt: txt2img() }).catch(() => undefined);
    const { signal } = await sim.exited;
    expect(signal).toBe("SIGKILL");
    await sim.stop();
  });

  test("startup crash exits before the ready line", async () => {
    const sim = await startSim({ env: { COMFYUI_SIM_CRASH: "startup", COMFYUI_SIM_CRASH_CODE: "3" }, waitReady: false });
    const { code } = await sim.exited;
    expect(code).toBe(3);
    expect(sim.stderr()).not.toContain("To see the GUI go to");
    await sim.stop();
  });

  test("control port crash exits with the requested status", async () => {
    const sim = await startSim({ args: ["--sim-control-port", "0"] });
    const control = CONTROL_LINE.exec(sim.stderr())?.[1];
    expect(control).toBeDefined();
    await fetch(`${control ?? ""}/crash?code=7`, { method: "POST" }).catch(() => undefined);
    const { code } = await sim.exited;
    expect(code).toBe(7);
    await sim.stop();
  });
});

describe("hang", () => {
  test("COMFYUI_SIM_HANG=prompt stops answering but keeps the port open", async () => {
    const sim = await startSim({ env: { COMFYUI_SIM_HANG: "prompt" } });
    try {
      await postJson(sim.url, "/prompt", { prompt: txt2img() });
      expect(await answers(sim, 500)).toBe(false);
      expect(await acceptsTcp(sim.port)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  test("control port hang ends after its duration", async () => {
    const sim = await startSim({ args: ["--sim-control-port", "0"] });
    try {
      const control = CONTROL_LINE.exec(sim.stderr())?.[1] ?? "";
      await fetch(`${control}/hang?ms=1500`, { method: "POST" });
      expect(await answers(sim, 300)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await answers(sim, 2000)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  test("no control line without the option", async () => {
    const sim = await startSim();
    try {
      expect(sim.stderr()).not.toContain("[comfyui-sim]");
    } finally {
      await sim.stop();
    }
  });
});

describe("GPU loss", () => {
  test("an nvml-failure preset at start exits with status 1", async () => {
    const sim = await startSim({ env: { FAKE_NVIDIA_SMI_PRESET: "nvml-failure" }, waitReady: false });
    const { code } = await sim.exited;
    expect(code).toBe(1);
    expect(sim.stderr()).toContain("RuntimeError: CUDA unknown error");
    await sim.stop();
  });
});

describe("GPU loss while running", () => {
  test("system_stats answers 500 while the preset fails and 200 after", async () => {
    const presetFile = path.join(os.tmpdir(), `comfyui-sim-preset-${process.pid}-${Date.now()}.json`);
    const presets = path.resolve(path.dirname(SIM_ENTRY), "../../fake-nvidia-smi/presets");
    copyFileSync(path.join(presets, "h100.json"), presetFile);
    const sim = await startSim({ env: { FAKE_NVIDIA_SMI_PRESET: presetFile } });
    try {
      // Rewrite atomically, as the preset contract requires: write a temp file, then rename.
      writeFileSync(`${presetFile}.tmp`, JSON.stringify({ driver_version: "550.127.05", cuda_version: "12.4", failure: "nvml", gpus: [] }));
      renameSync(`${presetFile}.tmp`, presetFile);
      const failing = await fetch(`${sim.url}/system_stats`);
      expect(failing.status).toBe(500);
      copyFileSync(path.join(presets, "h100.json"), `${presetFile}.tmp`);
      renameSync(`${presetFile}.tmp`, presetFile);
      const recovered = await fetch(`${sim.url}/system_stats`);
      expect(recovered.status).toBe(200);
    } finally {
      await sim.stop();
    }
  });
});
