import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

import { overviewSchema, parseValue } from "@comfycarry/shared";

import type { ComfyuiState, InstanceOverview, Overview, ProtocolEvent, ServiceStatus } from "@comfycarry/shared";

// One simulated instance for the dev mock: it starts from the overview example, varies
// the GPU readings, runs a fake prompt every few seconds and obeys service commands.
// Dev-only: nothing here is imported by the dashboard's source.

const NODE_CLASSES = ["CheckpointLoaderSimple", "CLIPTextEncode", "CLIPTextEncode", "EmptyLatentImage", "KSampler", "VAEDecode", "SaveImage"];
const STEPS = 20;

/** Reads the protocol's overview example, parsed so the mock never serves a shape the schema rejects. */
export function exampleOverview(): Overview {
  const text = readFileSync(new URL("../../shared/examples/overview.example.json", import.meta.url), "utf8");
  const parsed = parseValue(overviewSchema, JSON.parse(text));
  if (!parsed.ok) {
    throw new Error(`shared/examples/overview.example.json does not match overviewSchema: ${parsed.issues}`);
  }
  return parsed.value;
}

/** Listener for what the mock instance emits. */
export interface MockListener {
  overview(overview: InstanceOverview): void;
  event(event: ProtocolEvent): void;
}

/** A simulated instance. */
export class MockInstance {
  readonly id: string;
  readonly name: string;
  snapshot: Overview;
  online: boolean;
  lastSeenAt: string;
  offlineSince: string | null = null;
  private listeners = new Set<MockListener>();
  private timers: NodeJS.Timeout[] = [];

  constructor(id: string, name: string, snapshot: Overview, online: boolean) {
    this.id = id;
    this.name = name;
    this.snapshot = { ...snapshot, instance_id: id };
    this.online = online;
    this.lastSeenAt = snapshot.captured_at;
    if (!online) {
      this.offlineSince = snapshot.captured_at;
    }
  }

  /** Returns the overview as the edge would serve it now. */
  overview(): InstanceOverview {
    const age = Math.max(0, Date.now() - Date.parse(this.snapshot.captured_at));
    return {
      instance_id: this.id,
      online: this.online,
      last_seen_at: this.lastSeenAt,
      offline_since: this.offlineSince,
      snapshot_age_ms: age,
      snapshot: this.snapshot,
    };
  }

  subscribe(listener: MockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the 2 s snapshot cadence and the prompt loop. */
  start(): void {
    this.timers.push(setInterval(() => this.tick(), 2000));
    this.schedulePrompt(3000);
  }

  stop(): void {
    for (const timer of this.timers) {
      clearInterval(timer);
      clearTimeout(timer);
    }
    this.timers = [];
  }

  /** Simulates the reporter going away or coming back. */
  setOnline(online: boolean): void {
    this.online = online;
    this.offlineSince = online ? null : new Date().toISOString();
    if (online) {
      this.tick();
    } else {
      this.broadcastOverview();
    }
  }

  private emit(event: ProtocolEvent): void {
    if (!this.online) {
      return;
    }
    this.lastSeenAt = event.at;
    for (const listener of this.listeners) {
      listener.event(event);
    }
  }

  private broadcastOverview(): void {
    const overview = this.overview();
    for (const listener of this.listeners) {
      listener.overview(overview);
    }
  }

  private tick(): void {
    if (!this.online) {
      return;
    }

    const now = new Date().toISOString();
    const busy = this.snapshot.comfyui.current !== null;
    const gpus = this.snapshot.system.gpus.map((gpu) => ({
      ...gpu,
      utilization_percent: busy ? 80 + Math.round(Math.random() * 18) : Math.round(Math.random() * 4),
      temperature_c: busy ? 66 + Math.round(Math.random() * 8) : 45 + Math.round(Math.random() * 4),
      power_draw_w: busy ? 300 + Math.round(Math.random() * 100) : 35 + Math.round(Math.random() * 10),
    }));
    this.snapshot = {
      ...this.snapshot,
      captured_at: now,
      system: { ...this.snapshot.system, uptime_s: this.snapshot.system.uptime_s + 2, gpus, cpu: { ...this.snapshot.system.cpu, usage_percent: Math.round(Math.random() * 150) / 10 } },
    };
    this.lastSeenAt = now;
    this.broadcastOverview();
  }

  private later(ms: number, action: () => void): void {
    this.timers.push(setTimeout(action, ms));
  }

  private schedulePrompt(delayMs: number): void {
    this.later(delayMs, () => this.runPrompt());
  }

  private setComfyui(patch: Partial<Overview["comfyui"]>): void {
    this.snapshot = { ...this.snapshot, comfyui: { ...this.snapshot.comfyui, ...patch } };
  }

  /** Runs one fake prompt: each node in turn, with step progress on the sampler. */
  private runPrompt(): void {
    if (!this.online || this.snapshot.comfyui.state !== "online") {
      this.schedulePrompt(4000);
      return;
    }

    const promptId = randomUUID();
    const startedAt = Date.now();
    const nodeCount = NODE_CLASSES.length;
    const position = (done: number) => ({ prompt_id: promptId, nodes_done: done, node_count: nodeCount });
    this.emit({ kind: "comfyui.execution_start", at: new Date().toISOString(), ...position(0) });
    this.setComfyui({ queue_running: 1, current: { prompt_id: promptId, started_at: new Date().toISOString(), node: null, node_class: null, nodes_done: 0, node_count: nodeCount, progress: null } });

    let delay = 200;
    NODE_CLASSES.forEach((nodeClass, index) => {
      const node = String(index + 1);
      this.later(delay, () => {
        this.emit({ kind: "comfyui.executing", at: new Date().toISOString(), ...position(index), node, node_class: nodeClass });
        this.setComfyui({ current_node: nodeClass, progress: null, current: { prompt_id: promptId, started_at: null, node, node_class: nodeClass, nodes_done: index, node_count: nodeCount, progress: null } });
      });
      delay += 400;
      if (nodeClass === "KSampler") {
        for (let step = 1; step <= STEPS; step += 1) {
          this.later(delay, () => {
            this.emit({ kind: "comfyui.progress", at: new Date().toISOString(), ...position(index), node, node_class: nodeClass, value: step, max: STEPS });
            this.setComfyui({ progress: { value: step, max: STEPS }, current: { prompt_id: promptId, started_at: null, node, node_class: nodeClass, nodes_done: index, node_count: nodeCount, progress: { value: step, max: STEPS } } });
          });
          delay += 300;
        }
      }
      this.later(delay, () => {
        this.emit({ kind: "comfyui.executed", at: new Date().toISOString(), ...position(index + 1), node, node_class: nodeClass, images: [] });
      });
      delay += 100;
    });

    this.later(delay, () => {
      const at = new Date().toISOString();
      this.emit({ kind: "comfyui.execution_success", at, ...position(nodeCount), duration_ms: Date.now() - startedAt });
      this.setComfyui({ queue_running: 0, current_node: null, progress: null, current: null, last_activity_at: at });
      this.schedulePrompt(8000);
    });
  }

  /** Applies a PM2 command to the simulated services; returns null when the service is unknown. */
  serviceCommand(command: "start" | "stop" | "restart", name: string): { name: string; status: ServiceStatus; restarts: number; pid: number | null } | null {
    if (!this.snapshot.services.available) {
      return null;
    }
    const service = this.snapshot.services.items.find((item) => item.name === name);
    if (service === undefined) {
      return null;
    }

    const settle = (status: ServiceStatus, comfyui: ComfyuiState) => {
      service.status = status;
      service.pid = status === "online" ? 4000 + Math.round(Math.random() * 999) : null;
      service.uptime_s = status === "online" ? 0 : null;
      service.started_at = status === "online" ? new Date().toISOString() : null;
      this.emit({ kind: "service.changed", at: new Date().toISOString(), name, status, restarts: service.restarts });
      if (name === "comfy") {
        this.setComfyui({ state: comfyui, online: comfyui === "online" });
        this.emit({ kind: "comfyui.state", at: new Date().toISOString(), state: comfyui });
      }
    };

    if (command === "stop") {
      settle("stopped", "offline");
    } else {
      if (command === "restart") {
        service.restarts += 1;
      }
      settle("launching", "starting");
      this.later(2500, () => settle("online", "online"));
    }
    return { name, status: service.status, restarts: service.restarts, pid: service.pid };
  }
}
