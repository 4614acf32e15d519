/** Checklist "Process": the ready line and per-prompt log lines. Simulator only: they read its stderr. */
import { createConnection } from "node:net";

import { describe, expect, test } from "vitest";

import { againstRealServer, freePort, startSim } from "../helpers/sim.js";
import { getJson, postJson, txt2img, waitForHistory } from "../helpers/workflow.js";

const simOnly = againstRealServer() ? describe.skip : describe;

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

simOnly("process output", () => {
  test("ready line appears on stderr once the port accepts connections", async () => {
    const sim = await startSim();
    try {
      expect(sim.stderr()).toContain(`To see the GUI go to: http://127.0.0.1:${sim.port}`);
      expect(await connects(sim.port)).toBe(true);
    } finally {
      await sim.stop();
    }
  });

  test("--log-stdout moves the ready line to stdout", async () => {
    const sim = await startSim({ args: ["--log-stdout"] });
    try {
      expect(sim.stdout()).toContain("To see the GUI go to:");
      expect(sim.stderr()).not.toContain("To see the GUI go to:");
    } finally {
      await sim.stop();
    }
  });

  test("--dont-print-server never prints the ready line", async () => {
    const port = await freePort();
    const sim = await startSim({ args: ["--dont-print-server"], port, waitReady: false });
    try {
      let ready = false;
      for (let attempt = 0; attempt < 100 && !ready; attempt += 1) {
        ready = await fetch(`http://127.0.0.1:${port}/system_stats`).then((response) => response.ok, () => false);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(ready).toBe(true);
      expect(sim.stderr()).not.toContain("To see the GUI go to");
    } finally {
      await sim.stop();
    }
  });

  test("a prompt logs got prompt and the run time", async () => {
    const sim = await startSim();
    try {
      const result = await postJson(sim.url, "/prompt", { prompt: txt2img() });
      await waitForHistory(sim.url, String(result.body.prompt_id));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sim.stderr()).toContain("got prompt\n");
      expect(sim.stderr()).toMatch(/Prompt executed in \d+\.\d\d seconds\n/);
    } finally {
      await sim.stop();
    }
  });

  test("start-up lines come in ComfyUI's order", async () => {
    const sim = await startSim();
    try {
      const lines = sim.stderr().split("\n");
      const order = ["Total VRAM", "pytorch version:", "Set vram state to:", "Device: cuda:0", "Python version:", "ComfyUI version:", "Starting server", "To see the GUI go to:"];
      const positions = order.map((prefix) => lines.findIndex((line) => line.startsWith(prefix)));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((left, right) => left - right)).toEqual(positions);
    } finally {
      await sim.stop();
    }
  });

  test("unknown option exits 2 with argparse's message", async () => {
    const sim = await startSim({ args: ["--no-such-option"], waitReady: false });
    const { code } = await sim.exited;
    expect(code).toBe(2);
    expect(sim.stderr()).toMatch(/^usage: main\.py /);
    expect(sim.stderr()).toContain("main.py: error: unrecognized arguments: --no-such-option");
    await sim.stop();
  });

  test("bad choice exits 2 naming the choices", async () => {
    const sim = await startSim({ args: ["--preview-method", "fancy"], waitReady: false });
    const { code } = await sim.exited;
    expect(code).toBe(2);
    expect(sim.stderr()).toContain("argument --preview-method: invalid choice: 'fancy'");
    await sim.stop();
  });

  test("system_stats follows the GPU preset", async () => {
    const sim = await startSim({ env: { FAKE_NVIDIA_SMI_PRESET: "rtx4090x2" } });
    try {
      const { body } = await getJson<{ devices: Array<{ name: string; vram_total: number }> }>(sim.url, "/system_stats");
      expect(body.devices[0]?.name).toBe("cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync");
      expect(body.devices[0]?.vram_total).toBe(24564 * 1024 * 1024);
    } finally {
      await sim.stop();
    }
  });
});
