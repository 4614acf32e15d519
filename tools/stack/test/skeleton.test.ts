import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { overviewSchema, type EdgeToBrowserMessage, type ProtocolEvent } from "@comfycarry/shared";
import { ComfyApi } from "@saintno/comfyui-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { BrowserSocketRecorder, COMFY_SERVICE, EdgeHttpError, frameOfType, queuePrompt, Stack, txt2imgPrompt } from "../src/index.js";

const MIB = 1024 * 1024;
const soak = process.env.COMFYCARRY_SOAK === "1";
/** How long the edge link must stay up before the reporter resets its reconnect backoff (stableAfterMs in reporter/src/link/timing.ts). */
const LINK_STABLE_MS = 30_000;

let stack: Stack;
let stateDir: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-skeleton-"));
  stack = await Stack.start({
    stateDir,
    preset: "h100",
    stepMs: 40,
    cuttableLink: true,
    fakeDisk: { total_bytes: 100 * 1024 * MIB, used_bytes: 40 * 1024 * MIB, free_bytes: 60 * 1024 * MIB },
  });
});

afterAll(async () => {
  await stack.stop();
  await rm(stateDir, { recursive: true, force: true });
});

function overviewFrame(message: EdgeToBrowserMessage): message is Extract<EdgeToBrowserMessage, { type: "overview" }> {
  return message.type === "overview" && message.overview.snapshot !== null;
}

function eventFrame<K extends ProtocolEvent["kind"]>(kind: K, promptId?: string) {
  return (message: EdgeToBrowserMessage): message is Extract<EdgeToBrowserMessage, { type: "event" }> & { event: Extract<ProtocolEvent, { kind: K }> } =>
    message.type === "event" &&
    message.event.kind === kind &&
    (promptId === undefined || !("prompt_id" in message.event) || message.event.prompt_id === promptId);
}

async function watch(): Promise<BrowserSocketRecorder> {
  const recorder = new BrowserSocketRecorder(stack.client.openBrowserSocket(stack.instanceId));
  await recorder.opened();
  return recorder;
}

describe("overview", () => {
  it("carries the exact preset, PM2 and simulator values", async () => {
    // The first snapshot may go out before nvidia-smi's first sample. A viewer switches the
    // reporter to the 2 s cadence, so the next snapshot carries the sample.
    const viewer = await watch();
    const overview = await waitForOverview((candidate) => (candidate.snapshot?.system.gpus.length ?? 0) > 0, 15_000).finally(() => viewer.close());
    const snapshot = overviewSchema.parse(overview.snapshot);

    const gpu = snapshot.system.gpus[0];
    expect(snapshot.system.gpus).toHaveLength(1);
    expect(gpu?.name).toBe("NVIDIA H100 80GB HBM3");
    expect(gpu?.utilization_percent).toBe(37);
    expect(gpu?.temperature_c).toBe(41);
    expect(gpu?.power_draw_w).toBe(142.18);
    expect(gpu?.power_limit_w).toBe(700);
    expect(gpu?.memory_used_bytes).toBe(10240 * MIB);
    expect(gpu?.memory_total_bytes).toBe(81559 * MIB);
    expect(gpu?.compute_capability).toBe("9.0");

    expect(snapshot.system.disk.total_bytes).toBe(100 * 1024 * MIB);
    expect(snapshot.system.disk.used_bytes).toBe(40 * 1024 * MIB);

    const stats: unknown = await (await fetch(`${stack.comfyuiUrl}/system_stats`)).json();
    expect(snapshot.comfyui.version).toBe((stats as { system: { comfyui_version: string } }).system.comfyui_version);
    expect(snapshot.comfyui.online).toBe(true);
    expect(snapshot.comfyui.state).toBe("online");
    expect(snapshot.comfyui.queue_pending).toBe(0);
    expect(snapshot.comfyui.queue_running).toBe(0);

    if (!snapshot.services.available) {
      throw new Error(`services section unavailable: ${snapshot.services.reason}`);
    }
    const pm2Comfy = await stack.pm2.find(COMFY_SERVICE);
    const comfy = snapshot.services.items.find((item) => item.name === COMFY_SERVICE);
    expect(comfy?.status).toBe("online");
    expect(comfy?.pid).toBe(pm2Comfy?.pid);
    expect(comfy?.restarts).toBe(pm2Comfy?.restarts);

    // Sync runs but a fresh stack has no rules yet.
    expect(snapshot.sync).toMatchObject({ available: false, reason: "not_configured" });
    expect(snapshot.tunnel.available).toBe(false);
    // The download queue runs (aria2 is installed) with nothing queued.
    expect(snapshot.downloads).toEqual({ available: true, active_count: 0, queue_count: 0, current: null });
  });

  it("follows a preset switch within two snapshots", async () => {
    const recorder = await watch();
    try {
      const first = await recorder.waitFor("a first overview", overviewFrame);
      await stack.setPreset("rtx4090x2");
      const afterSwitch = recorder.frames.length;

      const second = await recorder.waitFor("a snapshot after the switch", overviewFrame, { from: Math.max(afterSwitch, first.index + 1) });
      const third = await recorder.waitFor("a second snapshot after the switch", overviewFrame, { from: second.index + 1 });
      const gpus = third.message.overview.snapshot?.system.gpus ?? [];
      expect(gpus).toHaveLength(2);
      expect(gpus[1]?.name).toBe("NVIDIA GeForce RTX 4090");
      expect(gpus[1]?.temperature_c).toBe(34);
    } finally {
      recorder.close();
      await stack.setPreset("h100");
    }
  });

  it("follows a stopped PM2 process within two snapshots", async () => {
    await writeFile(join(stateDir, "sleeper.cjs"), "setInterval(() => {}, 1 << 30);\n");
    await stack.pm2.start({ name: "sleeper", script: join(stateDir, "sleeper.cjs"), args: [], env: {}, cwd: stateDir });
    const recorder = await watch();
    try {
      await recorder.waitFor("sleeper online", (message): message is EdgeToBrowserMessage => {
        const services = overviewFrame(message) ? message.overview.snapshot?.services : undefined;
        return services?.available === true && services.items.some((item) => item.name === "sleeper" && item.status === "online");
      });
      await stack.pm2.stop("sleeper");
      const afterStop = recorder.frames.length;

      const second = await recorder.waitFor("a snapshot after the stop", overviewFrame, { from: afterStop });
      const third = await recorder.waitFor("a second snapshot after the stop", overviewFrame, { from: second.index + 1 });
      const services = third.message.overview.snapshot?.services;
      const sleeper = services?.available === true ? services.items.find((item) => item.name === "sleeper") : undefined;
      expect(sleeper?.status).toBe("stopped");
    } finally {
      recorder.close();
      await stack.pm2.delete("sleeper");
    }
  });
});

describe("prompt progress", () => {
  it("streams a third-party client's prompt to the browser", async () => {
    const recorder = await watch();
    const api = new ComfyApi(stack.comfyuiProxyUrl, "third-party-client-0001").init();
    try {
      await api.waitForReady();
      const queued = await api.queuePrompt(null, txt2imgPrompt(1234, 12));
      const promptId = queued.prompt_id;

      await recorder.waitFor("execution_start", eventFrame("comfyui.execution_start", promptId));
      const executing = await recorder.waitFor("executing KSampler", eventFrame("comfyui.executing", promptId), {});
      expect(executing.message.event.node_count).toBe(7);

      const steps: number[] = [];
      const success = await recorder.waitFor("execution_success", (message): message is EdgeToBrowserMessage => {
        if (message.type === "event" && message.event.kind === "comfyui.progress" && message.event.prompt_id === promptId) {
          steps.push(message.event.value);
          expect(message.event.node_class).toBe("KSampler");
          expect(message.event.max).toBe(12);
        }
        return eventFrame("comfyui.execution_success", promptId)(message);
      });
      expect(success.message.type).toBe("event");
      expect(steps.length).toBeGreaterThanOrEqual(2);
      expect(steps).toEqual([...steps].sort((a, b) => a - b));
      expect(steps.at(-1)).toBe(12);
    } finally {
      api.destroy();
      recorder.close();
    }
  });

  it("ends an interrupted run", async () => {
    const recorder = await watch();
    try {
      const promptId = await queuePrompt(stack.comfyuiProxyUrl, { clientId: "third-party-client-0002", steps: 200 });
      await recorder.waitFor("a step of the long prompt", eventFrame("comfyui.progress", promptId));
      const result = await stack.client.command(stack.instanceId, "comfyui.interrupt", {});
      expect(result.ok).toBe(true);
      const interrupted = await recorder.waitFor("execution_interrupted", eventFrame("comfyui.execution_interrupted", promptId));
      expect(interrupted.message.event.node_class).toBe("KSampler");
    } finally {
      recorder.close();
    }
  });

  it("ends an erroring run", async () => {
    const recorder = await watch();
    try {
      // The simulator fails KSampler with a CUDA out-of-memory error for this seed (see its README).
      const promptId = await queuePrompt(stack.comfyuiProxyUrl, { clientId: "third-party-client-0003", seed: 13_013_013 });
      const failed = await recorder.waitFor("execution_error", eventFrame("comfyui.execution_error", promptId));
      expect(failed.message.event.node_class).toBe("KSampler");
      expect(failed.message.event.exception_type.length).toBeGreaterThan(0);
    } finally {
      recorder.close();
    }
  });
});

describe("commands", () => {
  it("restarts comfy exactly once", async () => {
    const before = await stack.pm2.find(COMFY_SERVICE);
    const result = await stack.client.command(stack.instanceId, "service.restart", { name: COMFY_SERVICE });
    expect(result.ok).toBe(true);
    const after = await stack.pm2.find(COMFY_SERVICE);
    expect(after?.restarts).toBe((before?.restarts ?? 0) + 1);
  });

  it("does not repeat a restart when the link drops before the result", async () => {
    const rounds = soak ? 10 : 2;
    for (let round = 0; round < rounds; round += 1) {
      // Back-to-back cuts grow the reporter's reconnect backoff, which resets only after a
      // connection stays up for LINK_STABLE_MS. The seventh cut in a row waits 30 to 60 s,
      // which can outlast the 45 s command deadline, so soak rounds wait for the reset first.
      if (soak && round > 0) {
        await new Promise((resolveDelay) => setTimeout(resolveDelay, LINK_STABLE_MS + 1_000));
      }
      const result = await restartWithLostResult(() => {
        // A dropped connection: the reporter reconnects and the edge re-sends the command with the same id.
        linkCutter().cutAll();
        return Promise.resolve();
      });
      expect(result.ok).toBe(true);
    }
  }, soak ? 600_000 : undefined);

  it("does not repeat a restart when the reporter itself restarts", async () => {
    // A new reporter process finds the command id in its SQLite store and returns the stored result.
    const result = await restartWithLostResult(() => stack.pm2.restart("comfycarry-reporter"));
    expect(result.ok).toBe(true);
  });

  it("returns the timeout error exactly once", async () => {
    const recorder = await watch();
    const reporter = await stack.pm2.find("comfycarry-reporter");
    if (reporter === undefined || reporter.pid === 0) {
      throw new Error("reporter process not found in PM2");
    }
    try {
      // A paused reporter keeps its socket open but never responds, so only the deadline ends the command.
      process.kill(reporter.pid, "SIGSTOP");
      const outcome = await stack.client.command(stack.instanceId, "comfyui.queue.clear", {}, 1_500).then(
        () => null,
        (error: unknown) => error,
      );
      expect(outcome).toBeInstanceOf(EdgeHttpError);
      expect((outcome as EdgeHttpError).status).toBe(504);
      expect((outcome as EdgeHttpError).error?.code).toBe("command_timeout");
    } finally {
      process.kill(reporter.pid, "SIGCONT");
    }
    // After the reporter wakes up, its late result must not produce a second outcome.
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 3_000));
    const results = recorder.frames.filter((frame) => frame.message.type === "command_result");
    expect(results.filter((frame) => frame.message.type === "command_result" && frame.message.ok)).toHaveLength(0);
    recorder.close();
  });
});

describe("reporter loss", () => {
  it("goes offline with the snapshot's age and comes back", async () => {
    await stack.killReporter();
    const offline = await waitForOverview((overview) => !overview.online, 65_000);
    expect(offline.offline_since).not.toBeNull();
    expect(offline.snapshot).not.toBeNull();
    expect(offline.snapshot_age_ms).toBeGreaterThanOrEqual(0);

    const refused = await stack.client.command(stack.instanceId, "comfyui.queue.clear", {}).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(EdgeHttpError);
    expect((refused as EdgeHttpError).error?.code).toBe("instance_offline");

    await stack.startReporter();
    const online = await waitForOverview((overview) => overview.online, 60_000);
    expect(online.offline_since).toBeNull();
  });
});

function linkCutter(): NonNullable<Stack["linkCutter"]> {
  if (stack.linkCutter === null) {
    throw new Error("the stack was started without cuttableLink");
  }
  return stack.linkCutter;
}

/**
 * Restarts comfy through the edge while the reporter's answers are dropped, then breaks
 * the link with `breakLink` once the restart happened. Asserts that comfy restarted
 * exactly once and returns the command's outcome.
 */
async function restartWithLostResult(breakLink: () => Promise<void>): Promise<Awaited<ReturnType<Stack["client"]["command"]>>> {
  const before = (await stack.pm2.find(COMFY_SERVICE))?.restarts ?? 0;
  linkCutter().holdUpstream();
  const pending = stack.client.command(stack.instanceId, "service.restart", { name: COMFY_SERVICE }, 45_000);

  const deadline = Date.now() + 20_000;
  while (((await stack.pm2.find(COMFY_SERVICE))?.restarts ?? 0) === before) {
    if (Date.now() > deadline) {
      throw new Error("comfy was not restarted within 20 s of the command");
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
  // Let the reporter store and try to send its result, which the held link drops.
  await new Promise((resolveDelay) => setTimeout(resolveDelay, 500));
  await breakLink();

  const result = await pending;
  await new Promise((resolveDelay) => setTimeout(resolveDelay, 1_000));
  expect(((await stack.pm2.find(COMFY_SERVICE))?.restarts ?? 0) - before).toBe(1);
  return result;
}

async function waitForOverview(
  predicate: (overview: Awaited<ReturnType<Stack["client"]["overview"]>>) => boolean,
  timeoutMs: number,
): Promise<Awaited<ReturnType<Stack["client"]["overview"]>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const overview = await stack.client.overview(stack.instanceId);
    if (predicate(overview)) {
      return overview;
    }
    if (Date.now() > deadline) {
      throw new Error(`overview did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify({ online: overview.online })}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 500));
  }
}
