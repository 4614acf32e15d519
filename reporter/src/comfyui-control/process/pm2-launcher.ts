/**
 * Defining ComfyUI's PM2 process: script, interpreter, arguments, log file. The reporter's
 * Pm2Client only acts on existing processes; changing arguments needs a new definition,
 * which PM2's programmatic API gives through delete and start.
 */
import type pm2 from "pm2";
import type { StartOptions } from "pm2";
import { comfyuiEnvironment } from "./child-env.js";

/** The fields of PM2's description of one process that this feature reads. */
export interface Pm2Process {
  pmId: number;
  pid: number | null;
  status: string;
  restarts: number;
  unstableRestarts: number;
  script: string | null;
  interpreter: string | null;
  args: string[];
  logFile: string | null;
}

/** A process definition; `env` is added to the reporter's environment less its own secrets. */
export interface Pm2Definition {
  name: string;
  script: string;
  interpreter: string;
  cwd: string;
  args: string[];
  logFile: string;
  env: Record<string, string>;
}

interface DescribedProcess {
  pm_id?: number;
  pid?: number;
  pm2_env?: {
    status?: string;
    restart_time?: number;
    unstable_restarts?: number;
    pm_exec_path?: string;
    exec_interpreter?: string;
    args?: string[] | string;
    pm_log_path?: string;
  };
}

/** PM2 reads `log_file` (both streams in one file) although its type declarations omit it. */
type StartWithLog = StartOptions & { log_file: string; filter_env: boolean };

/** One connection to the PM2 daemon for defining, describing and deleting ComfyUI's process. */
export class Pm2Launcher {
  readonly #pm2Home: string | undefined;
  #instance: typeof pm2 | null = null;
  #connected: Promise<void> | null = null;

  constructor(pm2Home: string | undefined) {
    this.#pm2Home = pm2Home;
  }

  // PM2's API loads over a hundred modules (about 4 MB of the reporter's memory), so it is
  // loaded on the first call instead of at start; the overview reaches PM2 through src/pm2.
  get #api(): typeof pm2 {
    if (this.#instance === null) {
      throw new Error("PM2 API used before #connect loaded it");
    }
    return this.#instance;
  }

  /** Returns the process named `name`, or null when PM2 has none. */
  async describe(name: string): Promise<Pm2Process | null> {
    await this.#connect();
    const list = await new Promise<DescribedProcess[]>((resolve, reject) => {
      this.#api.describe(name, (error, found) => (error ? reject(error) : resolve(found as DescribedProcess[])));
    });
    const [found] = list;
    if (found?.pm_id === undefined) {
      return null;
    }
    const env = found.pm2_env ?? {};
    return {
      pmId: found.pm_id,
      pid: typeof found.pid === "number" && found.pid > 0 ? found.pid : null,
      status: env.status ?? "unknown",
      restarts: env.restart_time ?? 0,
      unstableRestarts: env.unstable_restarts ?? 0,
      script: env.pm_exec_path ?? null,
      interpreter: env.exec_interpreter ?? null,
      args: Array.isArray(env.args) ? env.args : typeof env.args === "string" ? [env.args] : [],
      logFile: env.pm_log_path ?? null,
    };
  }

  /** Starts a new process from `definition`; the name must be free (delete first). */
  async start(definition: Pm2Definition): Promise<void> {
    await this.#connect();
    const options: StartWithLog = {
      name: definition.name,
      script: definition.script,
      interpreter: definition.interpreter,
      cwd: definition.cwd,
      args: definition.args,
      log_file: definition.logFile,
      // Only the combined file is kept; PM2 reads "/dev/null" as "no file".
      output: "/dev/null",
      error: "/dev/null",
      // The reporter's token and settings must not reach ComfyUI or its custom nodes, and
      // when the reporter runs under PM2 its own pm_id and name must not either: PM2 would
      // take the new app for the reporter and restart the reporter in its place.
      env: comfyuiEnvironment(process.env, definition.env),
      filter_env: true,
      autorestart: true,
      // A process that dies within 10 s of its start counts as unstable; after 10 of those PM2 gives up instead of looping.
      min_uptime: 10_000,
      max_restarts: 10,
      restart_delay: 2_000,
      kill_timeout: 8_000,
    };
    await new Promise<void>((resolve, reject) => {
      this.#api.start(options, (error) => (error ? reject(error) : resolve()));
    });
  }

  async act(action: "stop" | "restart" | "delete", pmId: number): Promise<void> {
    await this.#connect();
    await new Promise<void>((resolve, reject) => {
      const done = (error: Error | null): void => (error ? reject(error) : resolve());
      if (action === "stop") {
        this.#api.stop(pmId, done);
      } else if (action === "restart") {
        this.#api.restart(pmId, done);
      } else {
        this.#api.delete(pmId, done);
      }
    });
  }

  /** Makes PM2 reopen its log files, after a rotation renamed the one it writes. */
  async reloadLogs(): Promise<void> {
    await this.#connect();
    await new Promise<void>((resolve, reject) => {
      this.#api.reloadLogs((error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    const connected = this.#connected;
    this.#connected = null;
    if (connected !== null) {
      await connected.catch(() => undefined);
      this.#instance?.disconnect();
    }
  }

  #connect(): Promise<void> {
    this.#connected ??= import("pm2")
      .then(({ default: loaded }) => {
        this.#instance ??= this.#pm2Home === undefined ? new loaded.custom() : new loaded.custom({ pm2_home: this.#pm2Home });
        const api = this.#instance;
        return new Promise<void>((resolve, reject) => {
          api.connect((error) => (error ? reject(error) : resolve()));
        });
      })
      .catch((error: unknown) => {
        this.#connected = null;
        throw error;
      });
    return this.#connected;
  }
}
