import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

import { waitFor } from "./fake-edge.js";

/** Path of the built ComfyUI simulator, made by `npm run build -w @comfycarry/comfyui-sim`. */
export const SIMULATOR_ENTRY = fileURLToPath(new URL("../../../tools/comfyui-sim/dist/main.mjs", import.meta.url));

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface SimulatorOptions {
  baseDir: string;
  stepMs: number;
  port?: number;
}

/** A running simulator process on 127.0.0.1. */
export class Simulator {
  readonly port: number;
  readonly #options: SimulatorOptions;
  #child: ChildProcess | null = null;
  output = "";

  private constructor(port: number, options: SimulatorOptions) {
    this.port = port;
    this.#options = options;
  }

  static async start(options: SimulatorOptions): Promise<Simulator> {
    if (!existsSync(SIMULATOR_ENTRY)) {
      throw new Error(`ComfyUI simulator not built at ${SIMULATOR_ENTRY}; run: npm run build -w @comfycarry/comfyui-sim`);
    }
    const simulator = new Simulator(options.port ?? (await freePort()), options);
    await simulator.launch();
    return simulator;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until /system_stats answers. */
  async launch(): Promise<void> {
    const args = [SIMULATOR_ENTRY, "--listen", "127.0.0.1", "--port", String(this.port), "--base-directory", this.#options.baseDir, "--sim-step-ms", String(this.#options.stepMs), "--sim-node-ms", "5"];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (this.output += chunk.toString("utf8")));

    let ready = false;
    const poll = setInterval(() => {
      fetch(`${this.url}/system_stats`)
        .then((response) => (ready = response.ok))
        .catch(() => undefined);
    }, 50);
    try {
      await waitFor(`the simulator on port ${this.port} to answer /system_stats (output: ${this.output.slice(-500)})`, () => ready || child.exitCode !== null, 15_000);
    } finally {
      clearInterval(poll);
    }
    if (child.exitCode !== null) {
      throw new Error(`simulator exited with ${child.exitCode}: ${this.output.slice(-2000)}`);
    }
  }

  /** Kills the process the way a crash would, and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
}
