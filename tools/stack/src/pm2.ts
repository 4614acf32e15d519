import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";

import { execa } from "execa";

import { pm2Cli } from "./paths.js";
import { endPm2HomeProcesses } from "./pm2-home-processes.js";

/** One PM2 process as `pm2 jlist` prints it, reduced to the fields the stack reads. */
export interface Pm2ProcessInfo {
  name: string;
  pid: number;
  status: string;
  restarts: number;
}

/** Options of a process the stack starts under PM2. */
export interface Pm2StartOptions {
  name: string;
  script: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Delay between automatic restarts, in milliseconds. */
  restartDelayMs?: number;
  /** Exit codes after which PM2 must not restart the process. */
  stopExitCodes?: number[];
  /** Program that runs `script`; Node (this process's) when absent. */
  interpreter?: string;
  /** One file for stdout and stderr, without PM2's time prefix; PM2's own files when absent. */
  logFile?: string;
  /** Flags for the Node interpreter itself (PM2's --node-args). */
  nodeArgs?: string[];
  /** Further `pm2 start` flags, passed as they are. */
  pm2Flags?: string[];
}

/**
 * PM2 driven through its CLI with a private PM2_HOME, so the stack never touches the
 * user's own PM2 daemon. The reporter itself uses PM2's programmatic API; the stack only
 * starts and stops processes, where the CLI's cost does not matter.
 */
export class Pm2Cli {
  readonly pm2Home: string;

  // Absolute, because the children's PM2_HOME is matched as text when they are ended.
  constructor(pm2Home: string) {
    this.pm2Home = resolve(pm2Home);
  }

  private async run(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
    const result = await execa(process.execPath, [pm2Cli(), ...args], {
      env: { ...process.env, ...extraEnv, PM2_HOME: this.pm2Home },
      extendEnv: false,
      reject: false,
    });
    if (result.exitCode !== 0) {
      throw new Error(`pm2 ${args.join(" ")} failed with exit code ${String(result.exitCode)}: ${result.stderr.slice(-2000)}`);
    }
    return result.stdout;
  }

  async start(options: Pm2StartOptions): Promise<void> {
    await mkdir(this.pm2Home, { recursive: true });
    const args = [
      "start",
      options.script,
      "--name",
      options.name,
      "--interpreter",
      options.interpreter ?? process.execPath,
      "--cwd",
      options.cwd,
      "--restart-delay",
      String(options.restartDelayMs ?? 1000),
    ];
    if (options.logFile === undefined) {
      args.push("--time");
    } else {
      args.push("--log", options.logFile, "--output", "/dev/null", "--error", "/dev/null");
    }
    if (options.stopExitCodes !== undefined && options.stopExitCodes.length > 0) {
      args.push("--stop-exit-codes", ...options.stopExitCodes.map(String));
    }
    if (options.nodeArgs !== undefined && options.nodeArgs.length > 0) {
      args.push("--node-args", options.nodeArgs.join(" "));
    }
    args.push(...(options.pm2Flags ?? []));
    if (options.args.length > 0) {
      args.push("--", ...options.args);
    }
    await this.run(args, options.env);
  }

  async stop(name: string): Promise<void> {
    await this.run(["stop", name]);
  }

  async restart(name: string): Promise<void> {
    await this.run(["restart", name]);
  }

  async delete(name: string): Promise<void> {
    await this.run(["delete", name]);
  }

  async list(): Promise<Pm2ProcessInfo[]> {
    const stdout = await this.run(["jlist"]);
    const parsed: unknown = JSON.parse(stdout.slice(stdout.indexOf("[")));
    if (!Array.isArray(parsed)) {
      throw new Error("pm2 jlist did not print a JSON array");
    }
    return parsed.map((entry: { name?: unknown; pid?: unknown; pm2_env?: { status?: unknown; restart_time?: unknown } }) => ({
      name: String(entry.name),
      pid: typeof entry.pid === "number" ? entry.pid : 0,
      status: String(entry.pm2_env?.status ?? "unknown"),
      restarts: typeof entry.pm2_env?.restart_time === "number" ? entry.pm2_env.restart_time : 0,
    }));
  }

  async find(name: string): Promise<Pm2ProcessInfo | undefined> {
    return (await this.list()).find((process) => process.name === name);
  }

  /**
   * Stops every process and the daemon of this PM2_HOME, and returns once none is left.
   * `pm2 kill` stops them gracefully, and whatever outlives it is ended through a scan of /proc.
   * That covers a daemon that ignored the kill (seen when the demo stops while ComfyUI is slow
   * to exit), and one that a reporter's PM2 API call can start when it finds no daemon.
   */
  async kill(): Promise<void> {
    await this.run(["kill"]).catch(() => undefined);
    await endPm2HomeProcesses(this.pm2Home);
  }
}
