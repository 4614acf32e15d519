import { describe, expect, it } from "vitest";

import { overviewSchema } from "@comfycarry/shared";
import type { ComfyuiSection, ProtocolEvent, Service } from "@comfycarry/shared";

import { SnapshotAssembler } from "../../src/snapshot/assembler.js";
import type { HostSample, ServiceManager } from "../../src/snapshot/sources.js";
import { createRootLogger } from "../../src/log/logger.js";

const log = createRootLogger({ level: "silent" });

const HOST: HostSample = {
  hostname: "box",
  uptime_s: 10,
  cpu: { model: "cpu", cores: 4, usage_percent: 5 },
  memory: { total_bytes: 100, used_bytes: 50 },
  disk: { path: "/workspace", total_bytes: 100, used_bytes: 40, free_bytes: 60 },
};

const COMFYUI: ComfyuiSection = {
  online: true,
  state: "online",
  url: "http://127.0.0.1:8188",
  version: "0.3.64",
  pytorch_version: "2.8.0+cu128",
  python_version: "3.12.3",
  queue_pending: 0,
  queue_running: 0,
  current_node: null,
  progress: null,
  current: null,
  last_activity_at: null,
};

function service(status: Service["status"], restarts = 0): Service {
  return { name: "comfy", pm_id: 0, status, pid: 1, started_at: null, uptime_s: null, restarts, cpu_percent: 0, memory_bytes: 0 };
}

/** A PM2 stand-in whose list returns the next entry of `reads` on each call. */
function services(reads: (Service[] | Error)[]): ServiceManager {
  const next = () => {
    const read = reads.shift() ?? new Error("no more reads");
    return read instanceof Error ? Promise.reject(read) : Promise.resolve(read);
  };
  const unused = () => Promise.reject(new Error("not used"));
  return { list: next, start: unused, stop: unused, restart: unused };
}

function assembler(options: { host?: () => Promise<HostSample>; reads?: (Service[] | Error)[]; events?: ProtocolEvent[] } = {}) {
  return new SnapshotAssembler({
    instanceId: "gpu-1",
    version: "0.1.0",
    system: { read: options.host ?? (() => Promise.resolve(HOST)) },
    gpus: { current: () => ({ gpus: [], gpu_error: null }) },
    services: services(options.reads ?? [[service("online")]]),
    comfyui: () => COMFYUI,
    emit: (event) => options.events?.push(event),
    log,
  });
}

describe("snapshot assembler", () => {
  it("builds an overview that matches the schema", async () => {
    const snapshot = await assembler().build();

    expect(overviewSchema.safeParse(snapshot).success).toBe(true);
  });

  it("marks unbuilt features as not built", async () => {
    const snapshot = await assembler().build();

    expect([snapshot?.sync, snapshot?.tunnel, snapshot?.downloads]).toEqual(Array(3).fill({ available: false, reason: "not_built" }));
  });

  it("marks services unavailable when PM2 fails", async () => {
    const snapshot = await assembler({ reads: [new Error("connect ENOENT rpc.sock")] }).build();

    expect(snapshot?.services).toEqual({ available: false, reason: "error", detail: "connect ENOENT rpc.sock" });
  });

  it("reports a service whose status changed", async () => {
    const events: ProtocolEvent[] = [];
    const built = assembler({ reads: [[service("online")], [service("errored", 1)]], events });

    await built.build();
    await built.build();

    expect(events).toEqual([expect.objectContaining({ kind: "service.changed", name: "comfy", status: "errored", restarts: 1 })]);
  });

  it("reports nothing on the first read", async () => {
    const events: ProtocolEvent[] = [];

    await assembler({ events }).build();

    expect(events).toEqual([]);
  });

  it("skips the snapshot before any host reading", async () => {
    const snapshot = await assembler({ host: () => Promise.reject(new Error("statfs failed")) }).build();

    expect(snapshot).toBeNull();
  });

  it("reuses the last host reading after a failure", async () => {
    let fail = false;
    const built = assembler({
      host: () => (fail ? Promise.reject(new Error("statfs failed")) : Promise.resolve(HOST)),
      reads: [[service("online")], [service("online")]],
    });
    await built.build();
    fail = true;

    const snapshot = await built.build();

    expect(snapshot?.system.disk).toEqual(HOST.disk);
  });
});
