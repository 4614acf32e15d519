/**
 * The tunnel feature: saved mode and services, cloudflared under PM2 through the supervisor,
 * API-mode provisioning, the Tunnel page's view and the overview's tunnel section.
 */
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import type { Overview, TunnelConfigureArgs, TunnelService, TunnelView } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { provision, unprovision } from "./api-mode.js";
import { CloudflareClient } from "./cloudflare-api.js";
import { notReady, prepareLaunch } from "./launch.js";
import { LogTail } from "./log-tail.js";
import { CloudflaredProcess } from "./pm2-process.js";
import type { TunnelEnvSettings } from "./settings.js";
import { TunnelStore } from "./store.js";
import type { TunnelSettings } from "./store.js";
import { TunnelSupervisor } from "./supervisor.js";
import type { ProcessControl } from "./supervisor.js";
import { buildTunnelView, overviewSection } from "./view.js";

export interface TunnelFeatureOptions {
  instanceId: string;
  stateDir: string;
  pm2Home?: string;
  env: TunnelEnvSettings;
  /** The access proxy's origin (`http://127.0.0.1:PORT`), or null while it is not listening. */
  origin: () => string | null;
  /** Receives the services whenever they change, so the access proxy serves them. */
  onServices?: (services: readonly TunnelService[]) => void;
  /** The Cloudflare API token the edge handed over (stored on the Settings page), or null. */
  edgeApiToken?: () => string | null;
  /** Called when the status or links changed, e.g. to send a snapshot. */
  onChange?: () => void;
  log: Logger;
  /** How often the supervisor looks at cloudflared; default 2000 ms. */
  pollMs?: number;
  now?: () => number;
  /** Tests pass a PM2 control of their own; default: PM2 of `pm2Home`. */
  process?: ProcessControl & { close?: () => Promise<void> };
}

export class TunnelFeature {
  readonly #options: TunnelFeatureOptions;
  readonly #log: Logger;
  readonly #store: TunnelStore;
  readonly #process: ProcessControl & { close?: () => Promise<void> };
  readonly #tail: LogTail;
  readonly #supervisor: TunnelSupervisor;
  #settings: TunnelSettings;
  #problem: string | null;
  #timer: NodeJS.Timeout | null = null;

  private constructor(options: TunnelFeatureOptions, store: TunnelStore, settings: TunnelSettings, problem: string | null) {
    this.#options = options;
    this.#log = options.log.child({ component: "tunnel" });
    this.#store = store;
    this.#settings = settings;
    this.#problem = problem;
    this.#process = options.process ?? new CloudflaredProcess(options.env.serviceName, options.pm2Home);
    this.#tail = new LogTail(join(store.dir, "cloudflared.log"));
    this.#supervisor = new TunnelSupervisor({
      process: this.#process,
      tail: this.#tail,
      prepare: () => prepareLaunch({ mode: this.#settings.mode, env: options.env, store, logFile: this.#tail.path, origin: () => this.#origin() }),
      canAdopt: (args) => this.#fitsRunning(args),
      log: this.#log,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.onChange === undefined ? {} : { onChange: options.onChange }),
    });
  }

  /** Loads the saved settings and starts watching; call `resume` once the access proxy listens. */
  static async start(options: TunnelFeatureOptions): Promise<TunnelFeature> {
    const store = new TunnelStore(options.stateDir);
    const { settings, problem } = await store.load();
    const feature = new TunnelFeature(options, store, settings, problem);
    if (problem !== null) {
      feature.#log.warn({ problem }, "tunnel settings could not be read");
    }
    options.onServices?.(settings.services);
    feature.#timer = setInterval(() => {
      feature.#supervisor.tick().catch((error: unknown) => feature.#log.error({ err: error }, "checking cloudflared failed"));
    }, options.pollMs ?? 2_000);
    return feature;
  }

  /** Starts cloudflared, or adopts the one PM2 still runs, when the saved settings have the tunnel enabled. */
  async resume(): Promise<void> {
    if (!this.#settings.enabled || this.#settings.mode === null) {
      return;
    }
    try {
      await this.#followOrigin();
      await this.#supervisor.enable();
    } catch (error) {
      this.#problem = error instanceof Error ? error.message : String(error);
      this.#log.error({ err: error }, "cloudflared could not start");
    }
  }

  view(): TunnelView {
    return buildTunnelView(this.#settings, this.#supervisor.view(), this.#problem, this.#options.env.origin ?? this.#options.origin());
  }

  /** Returns the overview's tunnel section. */
  section(): Overview["tunnel"] {
    return overviewSection(this.view());
  }

  logLines(count: number): string[] {
    return this.#tail.last(count);
  }

  async configure(args: TunnelConfigureArgs): Promise<TunnelView> {
    const next: TunnelSettings = { ...this.#settings, mode: args.mode };
    if (args.mode === "token") {
      await this.#store.writeSecret("tunnel-token", args.token.trim());
    } else if (args.mode === "api") {
      await this.#saveApiToken(args.api_token);
      next.api = await this.#provision({ ...next, api: this.#sameZone(args) ? this.#settings.api : null }, args.domain, args.subdomain, args.account_id ?? null);
    }
    this.#problem = null;
    await this.#save(next);
    this.#log.info({ mode: args.mode }, "tunnel mode saved");
    if (next.enabled) {
      await this.#supervisor.restart(true);
    }
    return this.view();
  }

  async start(): Promise<TunnelView> {
    const mode = this.#settings.mode;
    if (mode === null) {
      throw new ComfyCarryError("invalid_arguments", "No tunnel mode is set; choose quick, token or API mode first.", { field: "mode" });
    }
    await this.#followOrigin();
    await this.#save({ ...this.#settings, enabled: true });
    await this.#supervisor.enable();
    return this.view();
  }

  async stop(): Promise<TunnelView> {
    await this.#save({ ...this.#settings, enabled: false });
    await this.#supervisor.disable();
    return this.view();
  }

  async restart(): Promise<TunnelView> {
    if (this.#settings.mode === null) {
      throw new ComfyCarryError("invalid_arguments", "No tunnel mode is set; choose quick, token or API mode first.", { field: "mode" });
    }
    await this.#save({ ...this.#settings, enabled: true });
    await this.#supervisor.restart();
    return this.view();
  }

  async addService(service: TunnelService): Promise<TunnelView> {
    const services = [...this.#settings.services.filter((existing) => existing.name !== service.name), service];
    await this.#changeServices(services);
    this.#log.info({ service: service.name, port: service.port, protocol: service.protocol }, "tunnel service added");
    return this.view();
  }

  async removeService(name: string): Promise<TunnelView> {
    if (!this.#settings.services.some((service) => service.name === name)) {
      const known = this.#settings.services.map((service) => service.name).join(", ") || "(none)";
      throw new ComfyCarryError("not_found", `No tunnel service named "${name}"; known services: ${known}`, { name });
    }
    await this.#changeServices(this.#settings.services.filter((service) => service.name !== name));
    this.#log.info({ service: name }, "tunnel service removed");
    return this.view();
  }

  /** Stops cloudflared and clears the mode and tokens. In API mode it first deletes the DNS records and the tunnel at Cloudflare. */
  async remove(): Promise<TunnelView> {
    const api = this.#settings.api;
    if (this.#settings.mode === "api" && api !== null) {
      // The tunnel must be down before Cloudflare lets it be deleted.
      await this.#supervisor.disable();
      await unprovision(await this.#client(), api, this.#log);
    }
    await this.#supervisor.disable();
    await this.#store.clearSecret("api-token");
    await this.#store.clearSecret("tunnel-token");
    await this.#save({ mode: null, enabled: false, services: this.#settings.services, api: null });
    return this.view();
  }

  /** Stops the timer and disconnects from PM2; cloudflared keeps running under PM2. */
  async close(): Promise<void> {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    await this.#supervisor.tick().catch(() => undefined);
    await this.#process.close?.();
  }

  /** API mode: points the ingress at the proxy's current origin when it moved since the last setup. */
  async #followOrigin(): Promise<void> {
    const api = this.#settings.api;
    if (this.#settings.mode !== "api" || api === null || api.origin === this.#origin()) {
      return;
    }
    this.#log.info({ from: api.origin ?? null, to: this.#origin() }, "the access proxy moved; updating the tunnel's ingress");
    await this.#save({ ...this.#settings, api: await this.#provision(this.#settings, api.domain, api.subdomain, api.account_id) });
  }

  /** Quick tunnels carry the origin in `--url`, so one started for another proxy port must not be adopted. */
  #fitsRunning(args: readonly string[]): boolean {
    if (this.#settings.mode !== "quick") {
      return args.includes("run");
    }
    const origin = this.#options.env.origin ?? this.#options.origin();
    return !args.includes("run") && args[args.indexOf("--url") + 1] === origin;
  }

  /** Keeps a pasted API token; without one, the edge's stored token is used and must exist. */
  async #saveApiToken(pasted: string | undefined): Promise<void> {
    if (pasted !== undefined) {
      await this.#store.writeSecret("api-token", pasted.trim());
      return;
    }
    await this.#store.clearSecret("api-token");
    if ((this.#options.edgeApiToken?.() ?? null) === null) {
      throw new ComfyCarryError("invalid_arguments", "No Cloudflare API token: paste one, or save it as the Cloudflare API token on the Settings page.", { field: "api_token" });
    }
  }

  #sameZone(args: { domain: string; subdomain: string }): boolean {
    return this.#settings.api?.domain === args.domain;
  }

  async #changeServices(services: TunnelService[]): Promise<void> {
    const next = { ...this.#settings, services };
    if (next.mode === "api" && next.api !== null) {
      next.api = await this.#provision(next, next.api.domain, next.api.subdomain, next.api.account_id);
    }
    await this.#save(next);
    this.#options.onServices?.(services);
  }

  async #provision(settings: TunnelSettings, domain: string, subdomain: string, accountId: string | null): Promise<TunnelSettings["api"]> {
    const origin = this.#origin();
    const { state, tunnelToken } = await provision({
      client: await this.#client(),
      instanceId: this.#options.instanceId,
      domain,
      subdomain,
      accountId,
      services: settings.services,
      origin,
      previous: settings.api,
      log: this.#log,
    });
    await this.#store.writeSecret("tunnel-token", tunnelToken);
    return state;
  }

  async #client(): Promise<CloudflareClient> {
    const token = (await this.#store.readSecret("api-token")) ?? this.#options.edgeApiToken?.() ?? null;
    if (token === null) {
      throw notReady("No Cloudflare API token is saved; paste one in API mode, or save it as the Cloudflare API token on the Settings page.", "not_configured");
    }
    return new CloudflareClient(this.#options.env.apiUrl, token);
  }

  #origin(): string {
    const origin = this.#options.env.origin ?? this.#options.origin();
    if (origin === null) {
      throw notReady("The access proxy is not listening, so the tunnel has nothing to point at; restart the reporter.", "proxy_unavailable");
    }
    return origin;
  }

  async #save(settings: TunnelSettings): Promise<void> {
    await this.#store.save(settings);
    this.#settings = settings;
    this.#options.onChange?.();
  }
}
