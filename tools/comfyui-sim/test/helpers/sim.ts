/** Starts the built simulator as a real process on a free port and stops it again. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";

export const SIM_ENTRY = path.resolve(import.meta.dirname, "../../dist/main.mjs");
const READY_LINE = /To see the GUI go to: (https?):\/\/([^\s]+):(\d+)/;

export interface SimHandle {
  url: string;
  port: number;
  baseDir: string;
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop: () => Promise<void>;
}

export interface SimOptions {
  args?: string[];
  env?: Record<string, string>;
  baseDir?: string;
  /** Wait for the ready line (default), or only spawn. */
  waitReady?: boolean;
  port?: number;
}

/** Returns a port that was free a moment ago, for tests that cannot use port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === "object" && address !== null ? address.port : 0;
}

export function tempBaseDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), "comfyui-sim-test-"));
}

export async function startSim(options: SimOptions = {}): Promise<SimHandle> {
  const ownsBaseDir = options.baseDir === undefined;
  const baseDir = options.baseDir ?? tempBaseDir();
  const args = ["--listen", "127.0.0.1", "--port", String(options.port ?? 0), "--base-directory", baseDir, "--sim-step-ms", "10", "--sim-node-ms", "2", ...(options.args ?? [])];
  const child = spawn(process.execPath, [SIM_ENTRY, ...args], {
    env: { ...process.env, FAKE_NVIDIA_SMI_PRESET: "h100", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });

  let port = options.port ?? 0;
  if (options.waitReady !== false) {
    port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulator printed no ready line within 10 s; stderr:\n${stderr}`)), 10_000);
      const check = (): void => {
        const match = READY_LINE.exec(stderr + stdout);
        if (match?.[3] !== undefined) {
          clearTimeout(timer);
          resolve(Number(match[3]));
        }
      };
      child.stderr?.on("data", check);
      child.stdout?.on("data", check);
      void exited.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`simulator exited with ${code} before ready; stderr:\n${stderr}`));
      });
    });
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    baseDir,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
      if (ownsBaseDir) {
        rmSync(baseDir, { recursive: true, force: true });
      }
    },
  };
}

/** The server under test: `COMFYUI_URL` when set (a real ComfyUI), else a fresh simulator. */
export interface Target {
  url: string;
  sim: SimHandle | null;
  stop: () => Promise<void>;
}

export async function startTarget(options: SimOptions = {}): Promise<Target> {
  const external = process.env.COMFYUI_URL;
  if (external !== undefined && external !== "") {
    return { url: external.replace(/\/$/, ""), sim: null, stop: async () => {} };
  }
  const sim = await startSim(options);
  return { url: sim.url, sim, stop: sim.stop };
}

export const againstRealServer = (): boolean => (process.env.COMFYUI_URL ?? "") !== "";
