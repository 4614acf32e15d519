import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

import type { Logger } from "../../log/logger.js";
import { endProcesses, findAria2Processes, sessionArgument } from "./leftovers.js";
import { Aria2Rpc } from "./rpc-client.js";

export interface Aria2SupervisorOptions {
  stateDir: string;
  /** The aria2c binary; `aria2c` from PATH unless set. */
  aria2Path: string;
  /** Downloads aria2 runs at once; the queue never gives it more. */
  maxConcurrent: number;
  logger: Logger;
  /** Called after aria2 was restarted following a crash; its downloads are gone and must be re-added. */
  onRestart: () => void;
}

const READY_TIMEOUT_MS = 5_000;
const MAX_BACKOFF_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;

/**
 * Runs one aria2c with JSON-RPC on 127.0.0.1 and a random secret, and restarts it with
 * exponential backoff when it exits. `--stop-with-process` makes aria2 exit by itself when
 * the reporter dies, and leftovers of a crashed reporter are ended on start.
 */
export class Aria2Supervisor {
  private child: ChildProcess | null = null;
  private client: Aria2Rpc | null = null;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: Aria2SupervisorOptions) {}

  get rpc(): Aria2Rpc | null {
    return this.client;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  private get sessionPath(): string {
    return join(this.options.stateDir, "aria2.session");
  }

  /** Ends aria2 processes a crashed predecessor left with our state directory, then starts ours. */
  async start(): Promise<void> {
    const leftovers = await findAria2Processes(sessionArgument(this.sessionPath));
    if (leftovers.length > 0) {
      this.options.logger.warn({ pids: leftovers }, "ending aria2 processes left by a previous reporter");
      await endProcesses(leftovers);
    }
    await this.launch();
  }

  /**
   * Ends aria2 with SIGKILL. Its graceful shutdown takes 2–4 s (aria2 1.36), and the engine
   * removes active downloads first, which writes their control files, so nothing is lost.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer !== null) {
      clearTimeout(this.restartTimer);
    }
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  private async launch(): Promise<void> {
    const secret = randomBytes(24).toString("hex");
    const port = await freePort();
    const args = [
      "--enable-rpc",
      "--rpc-listen-all=false",
      `--rpc-listen-port=${port}`,
      `--rpc-secret=${secret}`,
      `--stop-with-process=${process.pid}`,
      sessionArgument(this.sessionPath),
      "--no-conf",
      "--daemon=false",
      `--max-concurrent-downloads=${this.options.maxConcurrent}`,
      // Control files are rewritten every second, so a kill loses at most a second of progress.
      "--auto-save-interval=1",
      // Unwritten ranges must read as zeros and every received byte must reach the file at
      // once, so a resume can find blocks written after the last save (control-recovery.ts).
      "--file-allocation=none",
      "--disk-cache=0",
      "--allow-overwrite=true",
      "--auto-file-renaming=false",
      "--continue=false",
      "--max-tries=5",
      "--retry-wait=2",
      "--connect-timeout=15",
      "--timeout=60",
      "--console-log-level=warn",
      "--summary-interval=0",
      "--show-console-readout=false",
      "--download-result=hide",
    ];
    const child = spawn(this.options.aria2Path, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    const log = this.options.logger.child({ aria2_pid: child.pid });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        if (line.trim() !== "") {
          log.warn({ line: scrubAria2Line(line) }, "aria2 output");
        }
      });
    }

    const spawnError = once(child, "error").then(([error]: unknown[]) => {
      throw new Error(`cannot start ${this.options.aria2Path}: ${String(error)}; install aria2 (apt-get install aria2) or set the aria2 path`);
    });
    const client = new Aria2Rpc(`http://127.0.0.1:${port}/jsonrpc`, secret);
    await Promise.race([waitReady(client, child), spawnError]);
    this.client = client;
    await writeFile(join(this.options.stateDir, "aria2.json"), JSON.stringify({ pid: child.pid, port }), { mode: 0o600 });
    log.info({ port }, "aria2 started");

    const startedAt = Date.now();
    child.once("exit", (code, signal) => {
      if (this.child === child) {
        this.client = null;
      }
      if (this.stopping) {
        log.info({ code, signal }, "aria2 stopped");
        return;
      }
      log.error({ code, signal }, "aria2 exited unexpectedly");
      this.scheduleRestart(Date.now() - startedAt > HEALTHY_AFTER_MS);
    });
  }

  /** Relaunches aria2 after an exponential backoff (0.5 s doubling to 30 s), reset after a healthy minute. */
  private scheduleRestart(wasHealthy: boolean): void {
    this.failures = wasHealthy ? 1 : this.failures + 1;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** (this.failures - 1));
    this.options.logger.info({ restart_in_ms: delay, failures: this.failures }, "restarting aria2");
    this.restartTimer = setTimeout(() => {
      if (this.stopping) {
        return;
      }
      this.launch().then(this.options.onRestart, (error: unknown) => {
        this.options.logger.error({ err: error }, "aria2 restart failed");
        this.scheduleRestart(false);
      });
    }, delay);
  }
}

async function waitReady(client: Aria2Rpc, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`aria2c exited with code ${child.exitCode} before its RPC port opened`);
    }
    try {
      await client.getVersion();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`aria2c RPC did not respond within ${READY_TIMEOUT_MS} ms; check that aria2c runs on this machine`);
}

/** Picks a port that was free a moment ago, because aria2 cannot listen on port 0. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Strips colour codes and query strings from an aria2 console line: aria2 prints whole
 * URIs, and a presigned URL's query is a credential (B2 even calls it `Authorization`).
 */
export function scrubAria2Line(line: string): string {
  return line.replace(/\u001b\[[0-9;]*m/g, "").replace(/(https?:\/\/[^\s?]*)\?\S*/g, "$1?[redacted]");
}
