import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { parseFrame, type EdgeToBrowserMessage } from "@comfycarry/shared";
import { BrowserSocketRecorder, findFreePort, frameOfType, REPORTER_NODE_ARGS, REPORTER_SERVICE, Stack, txt2imgPrompt } from "@comfycarry/stack";
import WebSocket, { WebSocketServer } from "ws";
import { z } from "zod";

import { measureProcess, measureProcesses } from "./process-usage.js";
import { percentile } from "./stats.js";

export interface LatencyOptions {
  browsers: number;
  prompts: number;
  stepsPerPrompt: number;
  stepMs: number;
  commands: number;
  /** Seconds of the idle phase whose reporter CPU is the baseline. */
  idleSeconds: number;
  /** Extra reporter variables, e.g. NODE_OPTIONS with --cpu-prof for bench/src/latency-profile.ts. */
  reporterEnv?: Record<string, string>;
  /** Node flags of the reporter in place of the stack's defaults (REPORTER_NODE_ARGS). */
  reporterNodeArgs?: string[];
  /**
   * Stop the reporter with SIGINT and wait for it to exit before the stack stops, so Node
   * writes the profiles that --cpu-prof and --heap-prof ask for at exit.
   */
  stopReporterGracefully?: boolean;
}

export interface LatencyResult {
  options: LatencyOptions;
  eventLatencyMs: { p50: number; p99: number; samples: number };
  commandRoundTripMs: { p50: number; p99: number; samples: number };
  /** Browser ping → edge pong, the cost of one edge hop with no reporter involved. */
  baselinePingMs: { p50: number; p99: number };
  /**
   * CPU time per simulated sampler step, in milliseconds. It varies less than a core share
   * on a shared machine, because time spent waiting for a core does not count.
   */
  reporterStreaming: { corePercent: number; peakRssMb: number; cpuMsPerStep: number };
  reporterIdle: { corePercent: number; peakRssMb: number };
  /**
   * The floor watcher (bench/src/floor-watcher.ts) over the same streaming phase: it only
   * parses ComfyUI's frames and forwards coalesced progress, so the reporter's CPU reads
   * against the least any watcher on this machine pays for the same frames.
   */
  floorStreaming: { corePercent: number; cpuMsPerStep: number };
  /** Monotonic-clock bounds of the phases, in microseconds, the clock V8 stamps CPU profiles with on Linux. */
  phasesMicros: { idle: [number, number]; streaming: [number, number] };
}

const progressFrameSchema = z.object({
  type: z.literal("progress"),
  data: z.object({ value: z.number(), max: z.number(), prompt_id: z.string() }),
});

/**
 * Measures the live path ComfyUI → reporter → edge → browsers on the local stack. Event
 * latency is the time from a progress frame reaching a client connected straight to
 * ComfyUI to the matching event reaching each browser socket.
 */
export async function runLatencyBench(options: LatencyOptions): Promise<LatencyResult> {
  const stateDir = await mkdtemp(join(tmpdir(), "comfycarry-bench-"));
  // The models feature looks model hashes up on CivitAI at startup. A loopback port with
  // no listener keeps the bench off the internet, and the failed lookups cost what they
  // cost on an offline host.
  const closedPort = await findFreePort();
  const stack = await Stack.start({
    stateDir,
    stepMs: options.stepMs,
    preset: "h100",
    ...(options.reporterNodeArgs === undefined ? {} : { reporterNodeArgs: options.reporterNodeArgs }),
    reporterEnv: { CIVITAI_BASE_URL: `http://127.0.0.1:${closedPort}`, HF_ENDPOINT: `http://127.0.0.1:${closedPort}`, ...options.reporterEnv },
  });
  const recorders: BrowserSocketRecorder[] = [];
  let observer: WebSocket | null = null;
  let stopFloor: () => Promise<void> = () => Promise.resolve();

  try {
    const reporter = await stack.pm2.find(REPORTER_SERVICE);
    if (reporter === undefined || reporter.pid === 0) {
      throw new Error("the reporter is not running under PM2");
    }

    for (let index = 0; index < options.browsers; index += 1) {
      const recorder = new BrowserSocketRecorder(stack.client.openBrowserSocket(stack.instanceId));
      await recorder.opened();
      await recorder.waitFor("a first overview", frameOfType("overview"));
      recorders.push(recorder);
    }

    // Idle baseline: viewers connected, snapshots every 2 s, no prompt running.
    const idleStart = monotonicMicros();
    const idle = await measureProcess(reporter.pid, () => sleep(options.idleSeconds * 1000));
    const idleEnd = monotonicMicros();

    const floor = await startFloorWatcher(stack.comfyuiUrl);
    stopFloor = floor.stop;

    // A direct client of ComfyUI sees the broadcast progress of prompts queued without a client_id.
    const sentAt = new Map<string, number>();
    observer = new WebSocket(`${stack.comfyuiUrl.replace(/^http/, "ws")}/ws?clientId=${randomUUID().replaceAll("-", "")}`);
    observer.on("message", (data, isBinary) => {
      if (isBinary) {
        return;
      }
      const outcome = parseFrame(progressFrameSchema, data.toString());
      if (outcome.ok) {
        sentAt.set(`${outcome.value.data.prompt_id}:${outcome.value.data.value}`, performance.now());
      }
    });
    await new Promise((resolveOpen) => observer?.once("open", resolveOpen));

    const promptIds: string[] = [];
    const streamingStart = monotonicMicros();
    const [streaming, floorUsage] = await measureProcesses([reporter.pid, floor.pid], async () => {
      for (let index = 0; index < options.prompts; index += 1) {
        promptIds.push(await queuePromptWithoutClient(stack.comfyuiUrl, options.stepsPerPrompt));
      }
      const last = promptIds.at(-1) ?? "";
      await Promise.all(
        recorders.map((recorder) =>
          recorder.waitFor(
            "the last prompt's success",
            (message): message is EdgeToBrowserMessage =>
              message.type === "event" && message.event.kind === "comfyui.execution_success" && message.event.prompt_id === last,
            { timeoutMs: 120_000 },
          ),
        ),
      );
    });

    const streamingEnd = monotonicMicros();
    if (streaming === undefined || floorUsage === undefined) {
      throw new Error("no CPU figures for the streaming phase");
    }

    const latencies: number[] = [];
    for (const recorder of recorders) {
      for (const frame of recorder.frames) {
        const message = frame.message;
        if (message.type === "event" && message.event.kind === "comfyui.progress") {
          const origin = sentAt.get(`${message.event.prompt_id}:${message.event.value}`);
          if (origin !== undefined) {
            latencies.push(frame.at - origin);
          }
        }
      }
    }

    const commandTimes = await measureCommands(recorders[0], options.commands);
    const pingTimes = await measurePings(recorders[0], options.commands);

    if (options.stopReporterGracefully === true) {
      await stopGracefully(reporter.pid);
    }

    return {
      options,
      eventLatencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
      commandRoundTripMs: { p50: percentile(commandTimes, 50), p99: percentile(commandTimes, 99), samples: commandTimes.length },
      baselinePingMs: { p50: percentile(pingTimes, 50), p99: percentile(pingTimes, 99) },
      reporterStreaming: {
        corePercent: streaming.corePercent,
        peakRssMb: streaming.peakRssBytes / 1024 ** 2,
        cpuMsPerStep: (streaming.cpuSeconds * 1000) / (options.prompts * options.stepsPerPrompt),
      },
      reporterIdle: { corePercent: idle.corePercent, peakRssMb: idle.peakRssBytes / 1024 ** 2 },
      floorStreaming: { corePercent: floorUsage.corePercent, cpuMsPerStep: (floorUsage.cpuSeconds * 1000) / (options.prompts * options.stepsPerPrompt) },
      phasesMicros: { idle: [idleStart, idleEnd], streaming: [streamingStart, streamingEnd] },
    };
  } finally {
    await stopFloor();
    observer?.close();
    for (const recorder of recorders) {
      recorder.close();
    }
    await stack.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Coalescing interval of the floor watcher, the same as the reporter's default. */
const FLOOR_INTERVAL_MS = 100;

/** Starts bench/src/floor-watcher.ts with the reporter's Node flags and waits until it watches ComfyUI. */
async function startFloorWatcher(comfyuiUrl: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const sink = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolveListening) => sink.once("listening", resolveListening));
  const address = sink.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const ready = new Promise<void>((resolveReady) => {
    sink.on("connection", (socket) => socket.once("message", () => resolveReady()));
  });

  const script = fileURLToPath(new URL("./floor-watcher.ts", import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...REPORTER_NODE_ARGS, script, comfyuiUrl, `ws://127.0.0.1:${port}`, String(FLOOR_INTERVAL_MS)], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const stop = async () => {
    child.kill();
    await exited;
    await new Promise((resolveClose) => sink.close(resolveClose));
  };

  const failed = exited.then(() => {
    throw new Error(`the floor watcher exited before it watched ComfyUI (code ${child.exitCode ?? "none"})`);
  });
  // Only the race below reads this. An exit after the watcher was ready is the normal stop.
  failed.catch(() => undefined);
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) {
    await stop();
    throw new Error("the floor watcher has no process id");
  }
  return { pid: child.pid, stop };
}

async function queuePromptWithoutClient(baseUrl: string, steps: number): Promise<string> {
  const response = await fetch(`${baseUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: txt2imgPrompt(Math.floor(Math.random() * 2 ** 31), steps) }),
  });
  const body = z.object({ prompt_id: z.string() }).parse(await response.json());
  return body.prompt_id;
}

/** Sends `count` cheap commands one after another over the browser socket and returns their round trips. */
async function measureCommands(recorder: BrowserSocketRecorder | undefined, count: number): Promise<number[]> {
  if (recorder === undefined) {
    return [];
  }
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const requestId = `bench-${index}`;
    const from = recorder.frames.length;
    const started = performance.now();
    recorder.socket.send(JSON.stringify({ type: "command", request_id: requestId, name: "comfyui.queue.clear", args: {} }));
    const result = await recorder.waitFor(
      `the result of ${requestId}`,
      (message): message is EdgeToBrowserMessage => message.type === "command_result" && message.request_id === requestId,
      { from },
    );
    times.push(result.at - started);
  }
  return times;
}

/** Sends `count` pings over the browser socket and returns their round trips. */
async function measurePings(recorder: BrowserSocketRecorder | undefined, count: number): Promise<number[]> {
  if (recorder === undefined) {
    return [];
  }
  const times: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const from = recorder.frames.length;
    const started = performance.now();
    recorder.socket.send(JSON.stringify({ type: "ping" }));
    const pong = await recorder.waitFor("a pong", frameOfType("pong"), { from });
    times.push(pong.at - started);
  }
  return times;
}

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Sends SIGINT to the reporter and waits up to 20 s for the process to go away. */
async function stopGracefully(pid: number): Promise<void> {
  process.kill(pid, "SIGINT");
  for (let waited = 0; waited < 20_000; waited += 100) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error(`the reporter (pid ${pid}) did not exit within 20 s of SIGINT`);
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, milliseconds));
}


