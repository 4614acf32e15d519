/**
 * cloudflared's PM2 process. PM2 does not restart it (`autorestart: false`): the supervisor
 * decides when to start it again, with a backoff, because a rate-limited quick tunnel exits
 * at once and PM2's own restarts would turn that into a restart storm.
 */
import type pm2 from "pm2";
import type { StartOptions } from "pm2";

import { comfyuiEnvironment } from "../comfyui-control/process/child-env.js";

export interface CloudflaredDefinition {
  name: string;
  /** Absolute path of the cloudflared binary. */
  binary: string;
  args: string[];
  cwd: string;
  logFile: string;
  env: Record<string, string>;
}

/** PM2 reads `log_file` (both streams in one file) although its type declarations omit it. */
type StartWithLog = StartOptions & { log_file: string; filter_env: boolean };

interface Described {
  pm_id?: number;
  pm2_env?: { status?: string; args?: string[] | string };
}

export interface ProcessState {
  /** PM2's status (`online`, `stopped`, `errored` …), or null when PM2 has no such process. */
  status: string | null;
  /** The arguments PM2 runs it with; empty when PM2 has no such process. */
  args?: string[];
}

export class CloudflaredProcess {
  readonly #pm2Home: string | undefined;
  readonly #name: string;
  #instance: typeof pm2 | null = null;
  #connected: Promise<typeof pm2> | null = null;

  constructor(name: string, pm2Home: string | undefined) {
    this.#name = name;
    this.#pm2Home = pm2Home;
  }

  async state(): Promise<ProcessState> {
    const found = await this.#describe();
    if (found === null) {
      return { status: null, args: [] };
    }
    const args = found.pm2_env?.args ?? [];
    return { status: found.pm2_env?.status ?? "unknown", args: typeof args === "string" ? [args] : args };
  }

  /** Replaces any process of this name with `definition` and starts it. */
  async start(definition: CloudflaredDefinition): Promise<void> {
    await this.delete();
    const api = await this.#connect();
    const options: StartWithLog = {
      name: definition.name,
      script: definition.binary,
      interpreter: "none",
      cwd: definition.cwd,
      args: definition.args,
      log_file: definition.logFile,
      // Only the combined file is kept; PM2 reads "/dev/null" as "no file".
      output: "/dev/null",
      error: "/dev/null",
      // cloudflared must not see the reporter's token or settings, nor PM2's keys of the reporter.
      env: comfyuiEnvironment(process.env, definition.env),
      filter_env: true,
      autorestart: false,
      // cloudflared's grace period is 30 s; the supervisor's stop should not wait that long for idle tunnels.
      kill_timeout: 10_000,
    };
    await new Promise<void>((resolve, reject) => {
      api.start(options, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Stops the process (SIGINT, then SIGKILL after the kill timeout); absent is fine. */
  async stop(): Promise<void> {
    const found = await this.#describe();
    if (found?.pm_id === undefined || found.pm2_env?.status === "stopped") {
      return;
    }
    const api = await this.#connect();
    const id = found.pm_id;
    await new Promise<void>((resolve, reject) => api.stop(id, (error) => (error ? reject(error) : resolve())));
  }

  async delete(): Promise<void> {
    const found = await this.#describe();
    if (found?.pm_id === undefined) {
      return;
    }
    const api = await this.#connect();
    const id = found.pm_id;
    await new Promise<void>((resolve, reject) => api.delete(id, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    const connected = this.#connected;
    this.#connected = null;
    if (connected !== null) {
      const api = await connected.catch(() => null);
      api?.disconnect();
    }
  }

  async #describe(): Promise<Described | null> {
    const api = await this.#connect();
    const list = await new Promise<Described[]>((resolve, reject) => {
      api.describe(this.#name, (error, found) => (error ? reject(error) : resolve(found as Described[])));
    });
    return list[0] ?? null;
  }

  // PM2's API loads over a hundred modules, so it is loaded on first use, as ComfyUI's launcher does.
  #connect(): Promise<typeof pm2> {
    this.#connected ??= import("pm2")
      .then(({ default: loaded }) => {
        const api = this.#instance ?? (this.#pm2Home === undefined ? new loaded.custom() : new loaded.custom({ pm2_home: this.#pm2Home }));
        this.#instance = api;
        return new Promise<typeof pm2>((resolve, reject) => {
          api.connect((error) => (error ? reject(error) : resolve(api)));
        });
      })
      .catch((error: unknown) => {
        this.#connected = null;
        throw error;
      });
    return this.#connected;
  }
}
