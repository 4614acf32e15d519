/** Listing and controlling PM2 services over one persistent connection to the PM2 daemon. */
import type { Service } from "@comfycarry/shared";
import { ComfyCarryError, parseValue, serviceNameSchema } from "@comfycarry/shared";
import type { Logger } from "pino";

import type { Pm2Api } from "./daemon-rpc.js";
import { createPm2Api } from "./daemon-rpc.js";
import { pm2ProcessSchema, toService } from "./service.js";

export interface Pm2ClientOptions {
  logger: Logger;
  /** PM2's state folder; defaults to `PM2_HOME` from the environment, then `~/.pm2`. */
  pm2Home?: string;
  /** Max wait for one PM2 call in ms; default 10000. */
  callTimeoutMs?: number;
  /** Clock for `uptime_s`; tests pass a fixed one. */
  now?: () => Date;
}

export type ServiceAction = "start" | "stop" | "restart";

/**
 * Talks to the PM2 daemon over its RPC socket. One connection serves every call, because
 * running the `pm2` CLI every 2 s would cost a Node start-up each time; a lost connection
 * is reopened by the next call.
 * Actions address processes by pm_id, never by a name PM2 could read as a namespace or
 * a script path, and nothing is passed through a shell.
 */
export class Pm2Client {
  readonly #log: Logger;
  readonly #pm2Home: string | undefined;
  readonly #callTimeoutMs: number;
  readonly #now: () => Date;
  #connecting: Promise<Pm2Api> | undefined;
  /** The open connection, kept to notice when the daemon closed it. */
  #connected: Pm2Api | undefined;

  constructor(options: Pm2ClientOptions) {
    this.#log = options.logger.child({ source: "pm2" });
    this.#pm2Home = options.pm2Home ?? process.env["PM2_HOME"];
    this.#callTimeoutMs = options.callTimeoutMs ?? 10_000;
    this.#now = options.now ?? (() => new Date());
  }

  /** Connects to the PM2 daemon; fails with `pm2_failed` when none runs for this PM2_HOME. */
  async connect(): Promise<void> {
    await this.#connection();
  }

  /** Returns every PM2 process as a `Service`, in PM2's order. */
  async list(): Promise<Service[]> {
    const api = await this.#connection();
    const entries = await this.#call("list", api.list());
    const now = this.#now();
    const services: Service[] = [];
    for (const entry of entries) {
      const parsed = pm2ProcessSchema.safeParse(entry);
      const service = parsed.success ? toService(parsed.data, now) : null;
      if (service !== null) {
        services.push(service);
      } else if (!parsed.success) {
        this.#log.warn({ issues: parsed.error.issues.slice(0, 3) }, "PM2 process entry with unexpected field types, left out of the list");
      }
    }
    return services;
  }

  /** Starts a stopped service; a service already online is left alone. */
  start(name: string): Promise<Service> {
    return this.#act("start", name);
  }

  /** Stops a service. */
  stop(name: string): Promise<Service> {
    return this.#act("stop", name);
  }

  /** Restarts a service, or starts it when it is not running; PM2 counts a restart only in the first case. */
  restart(name: string): Promise<Service> {
    return this.#act("restart", name);
  }

  /** Disconnects from the daemon; the daemon and its services keep running. */
  async close(): Promise<void> {
    const pending = this.#connecting;
    this.#connecting = undefined;
    this.#connected = undefined;
    if (pending === undefined) {
      return;
    }
    const api = await pending.catch(() => undefined);
    api?.disconnect();
  }

  async #act(action: ServiceAction, name: string): Promise<Service> {
    const parsed = parseValue(serviceNameSchema, name);
    if (!parsed.ok) {
      throw new ComfyCarryError("invalid_arguments", `Invalid service name ${JSON.stringify(name)}: ${parsed.issues}`, { name });
    }

    const targets = await this.#findByName(name);
    const api = await this.#connection();
    for (const target of targets) {
      if (action === "start" && target.status === "online") {
        continue;
      }
      const pm2Action = action === "stop" ? "stop" : "restart";
      await this.#call(`${action} of "${name}"`, api.act(pm2Action, target.pm_id));
    }
    this.#log.info({ service: name, action, pm_ids: targets.map((target) => target.pm_id) }, "PM2 service action done");

    const [after] = await this.#findByName(name);
    if (after === undefined) {
      throw new ComfyCarryError("pm2_failed", `PM2 service "${name}" disappeared during ${action}`, { name });
    }
    return after;
  }

  /** Returns the processes named `name` (several when PM2 runs instances), or raises `service_not_found`. */
  async #findByName(name: string): Promise<Service[]> {
    const services = await this.list();
    const matches = services.filter((service) => service.name === name);
    if (matches.length > 0) {
      return matches;
    }

    const known = [...new Set(services.map((service) => service.name))].join(", ");
    throw new ComfyCarryError(
      "service_not_found",
      `No PM2 service named "${name}"; known services: ${known === "" ? "(none)" : known}`,
      { name, known },
    );
  }

  #connection(): Promise<Pm2Api> {
    if (this.#connecting !== undefined && this.#connected?.connected !== false) {
      return this.#connecting;
    }

    const api = createPm2Api(this.#pm2Home);
    this.#connecting = this.#call("connect", api.connect()).then(
      () => {
        this.#log.info({ pm2_home: this.#pm2Home ?? "~/.pm2" }, "connected to the PM2 daemon");
        this.#connected = api;
        return api;
      },
      (error: unknown) => {
        // A later call tries again instead of reusing the failed attempt.
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  /** Awaits one PM2 call with a deadline, turning PM2 errors into `pm2_failed`. */
  async #call<T>(what: string, call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`timed out after ${this.#callTimeoutMs} ms`));
      }, this.#callTimeoutMs);
    });

    try {
      return await Promise.race([call, deadline]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#log.error({ err: error, call: what }, "PM2 call failed");
      throw new ComfyCarryError("pm2_failed", `PM2 ${what} failed: ${reason}`, { call: what }, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
