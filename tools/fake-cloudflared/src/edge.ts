/**
 * The fake's edge connections: registration after a delay, endless dial failures, or drops
 * and re-registrations, chosen with `FAKE_CLOUDFLARED_EDGE` (ok, fail or flap).
 */
import { randomUUID } from "node:crypto";

import type { Logger } from "./log.js";
import type { TunnelState } from "./metrics.js";

export interface EdgeOptions {
  connections: number;
  protocol: string;
  log: Logger;
  state: TunnelState;
  /** Called once the first connection registered. */
  onFirstRegistered?: () => void;
}

const COLOS = ["ams07", "fra08", "lax08", "sin03"];

/** cloudflared's logged retry ceilings with the default --retries 5. */
const RETRY_CEILINGS = ["2s", "4s", "8s", "16s", "32s", "1m4s"];

function envMs(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value >= 0 ? value : fallback;
}

export class Edge {
  readonly #options: EdgeOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  #registered: number[] = [];

  constructor(options: EdgeOptions) {
    this.#options = options;
  }

  start(): void {
    const mode = process.env["FAKE_CLOUDFLARED_EDGE"] ?? "ok";
    const delay = envMs("FAKE_CLOUDFLARED_REGISTER_DELAY_MS", 200);
    if (mode === "fail") {
      this.#failForever(0);
      return;
    }
    this.#later(delay, () => this.#registerAll());
    if (mode === "flap") {
      this.#later(delay + envMs("FAKE_CLOUDFLARED_FLAP_MS", 1_000), () => this.#drop(0));
    }
  }

  /** Unregisters every connection, as on a graceful shutdown. */
  unregisterAll(): void {
    for (const timer of this.#timers) {
      clearTimeout(timer);
    }
    for (const index of this.#registered) {
      this.#options.log.info("Unregistered tunnel connection", { connIndex: index, event: 0, ip: `198.41.200.${10 + index}` });
    }
    this.#registered = [];
    this.#options.state.readyConnections = 0;
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms);
    this.#timers.add(timer);
  }

  #registerAll(): void {
    for (let index = 0; index < this.#options.connections; index += 1) {
      this.#register(index);
    }
  }

  #register(index: number): void {
    const { log, protocol, state } = this.#options;
    log.info("Registered tunnel connection", {
      connIndex: index,
      connection: randomUUID(),
      event: 0,
      ip: `198.41.200.${10 + index}`,
      location: COLOS[index % COLOS.length] ?? "ams07",
      protocol,
    });
    this.#registered.push(index);
    state.readyConnections = this.#registered.length;
    if (this.#registered.length === 1) {
      this.#options.onFirstRegistered?.();
    }
  }

  #drop(index: number): void {
    const { log, state } = this.#options;
    this.#registered = this.#registered.filter((registered) => registered !== index);
    state.readyConnections = this.#registered.length;
    const reason = "timeout: no recent network activity";
    log.info("Unregistered tunnel connection", { connIndex: index, event: 0, ip: `198.41.200.${10 + index}` });
    log.error("failed to serve tunnel connection", { error: reason, connIndex: index, event: 0 });
    log.info("Retrying connection in up to 2s", { connIndex: index, event: 0, ip: `198.41.200.${10 + index}` });
    log.info("Connection terminated", { error: reason, connIndex: index });
    this.#later(envMs("FAKE_CLOUDFLARED_RETRY_MS", 200), () => this.#register(index));
  }

  #failForever(attempt: number): void {
    const { log } = this.#options;
    log.error("Failed to dial a quic connection", { error: "failed to dial to edge with quic: timeout: no recent network activity", connIndex: 0, event: 0, ip: "198.41.192.7" });
    const ceiling = RETRY_CEILINGS[Math.min(attempt, RETRY_CEILINGS.length - 1)] ?? "1m4s";
    log.info(`Retrying connection in up to ${ceiling}`, { connIndex: 0, event: 0, ip: "198.41.192.7" });
    this.#later(envMs("FAKE_CLOUDFLARED_RETRY_MS", 200), () => this.#failForever(attempt + 1));
  }
}
