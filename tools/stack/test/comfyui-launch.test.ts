import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { COMFY_SERVICE, REPORTER_SERVICE, Stack } from "../src/index.js";

// The reporter runs under PM2 here, as in a rented container. Applying new launch options
// makes it define ComfyUI's PM2 process anew; PM2 must create ComfyUI, not replace the
// reporter that asked for it.

let stack: Stack;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-launch-"));
  stack = await Stack.start({ stateDir, stepMs: 20, comfyuiCheckout: {} });
});

afterAll(async () => {
  await stack.stop();
  if (process.env.KEEP_STATE !== "1") {
    await rm(stateDir, { recursive: true, force: true });
  }
});

describe("launch options under PM2", () => {
  it("restarts ComfyUI with new arguments and keeps the reporter", async () => {
    const reporterBefore = await stack.pm2.find(REPORTER_SERVICE);

    const result = await stack.client.command(stack.instanceId, "comfyui.launch.set", { options: { preview_method: "auto" }, restart: true }, 180_000);
    expect(result.ok ? null : result.error).toBeNull();

    const comfy = await stack.pm2.find(COMFY_SERVICE);
    expect(comfy?.status).toBe("online");
    const commandLine = (await readFile(`/proc/${String(comfy?.pid)}/cmdline`, "utf8")).split("\0");
    expect(commandLine).toContain("--preview-method");
    expect(commandLine[commandLine.indexOf("--preview-method") + 1]).toBe("auto");

    const reporterAfter = await stack.pm2.find(REPORTER_SERVICE);
    expect(reporterAfter?.pid).toBe(reporterBefore?.pid);
    expect(reporterAfter?.restarts).toBe(reporterBefore?.restarts);
    const overview = await stack.client.overview(stack.instanceId);
    expect(overview.online).toBe(true);
  });
});
