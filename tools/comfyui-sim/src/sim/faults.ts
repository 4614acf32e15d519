/**
 * Simulated failures. A crash exits with a status or dies by a signal. A hang blocks the event
 * loop, so the port accepts connections but nothing responds. Either fires at start-up, when a
 * prompt starts, at the first sampler step, after a delay, or through the opt-in control port.
 */
import { createServer, type Server } from "node:http";

import type { FaultTrigger, SimConfig } from "../config.js";
import { simConsole } from "../log/logger.js";
import { formatException } from "../py/traceback.js";

export type FaultPoint = "startup" | "prompt" | "step";

/** Blocks the whole process for `ms` milliseconds, or for ever when `ms` is null. */
export function hang(ms: number | null): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(cell, 0, 0, ms ?? undefined);
}

/** Ends the process the way a crash does: with an exit status, or killed by a signal. */
export function crash(code: string): never {
  if (/^SIG[A-Z0-9]+$/.test(code)) {
    process.kill(process.pid, code as NodeJS.Signals);
    // A caught or ignored signal must still end the process.
    process.exit(1);
  }
  const status = Number.parseInt(code, 10);
  process.exit(Number.isInteger(status) ? status : 1);
}

function matches(trigger: FaultTrigger, point: FaultPoint): boolean {
  return trigger !== null && trigger.at === point;
}

export class Faults {
  private controlServer: Server | null = null;

  constructor(private readonly config: SimConfig) {}

  /** Fires a crash or hang configured for this point. A crash is printed like a fatal error first. */
  fire(point: FaultPoint): void {
    const { crash: crashTrigger, hang: hangTrigger, crashCode } = this.config.sim;
    if (matches(crashTrigger, point)) {
      // A status exit looks like an unhandled CUDA error; a signal kills without a word, like the OOM killer.
      if (!crashCode.startsWith("SIG")) {
        simConsole.error(formatException([], "torch.AcceleratorError", "CUDA error: an illegal memory access was encountered").trimEnd());
      }
      crash(crashCode);
    }
    if (matches(hangTrigger, point)) {
      hang(null);
    }
  }

  /** Arms the "N milliseconds after ready" triggers. */
  armAfterReady(): void {
    const { crash: crashTrigger, hang: hangTrigger, crashCode } = this.config.sim;
    if (crashTrigger?.at === "after") {
      setTimeout(() => crash(crashCode), crashTrigger.ms).unref();
    }
    if (hangTrigger?.at === "after") {
      setTimeout(() => hang(null), hangTrigger.ms).unref();
    }
  }

  /**
   * Starts the control server on 127.0.0.1 when a control port is configured. Routes:
   * `POST /crash?code=N|SIGNAME`, `POST /hang?ms=N` (no `ms`: for ever), `GET /health`.
   * Returns the bound port, or null when disabled.
   */
  async startControl(): Promise<number | null> {
    const port = this.config.sim.controlPort;
    if (port === null) {
      return null;
    }
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      if (request.method === "GET" && url.pathname === "/health") {
        response.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ pid: process.pid }));
        return;
      }
      if (request.method === "POST" && url.pathname === "/crash") {
        const code = url.searchParams.get("code") ?? this.config.sim.crashCode;
        response.writeHead(200).end(() => crash(code));
        return;
      }
      if (request.method === "POST" && url.pathname === "/hang") {
        const raw = url.searchParams.get("ms");
        const ms = raw === null ? null : Number.parseInt(raw, 10);
        if (ms !== null && (!Number.isInteger(ms) || ms < 0)) {
          response.writeHead(400).end(`ms must be a non-negative whole number, got '${raw}'\n`);
          return;
        }
        response.writeHead(200).end(() => setImmediate(() => hang(ms)));
        return;
      }
      response.writeHead(404).end("routes: GET /health, POST /crash?code=, POST /hang?ms=\n");
    });
    this.controlServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    const bound = typeof address === "object" && address !== null ? address.port : port;
    // Opt-in only: a real ComfyUI never prints this line.
    simConsole.write("stderr", `[comfyui-sim] control port: http://127.0.0.1:${bound}\n`);
    return bound;
  }

  stopControl(): void {
    this.controlServer?.close();
  }
}
