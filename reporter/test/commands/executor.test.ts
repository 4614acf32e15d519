import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { ComfyCarryError, PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { Service } from "@comfycarry/shared";

import { unavailableComfyuiControl } from "../../src/comfyui-control/index.js";
import { unavailableModels } from "../../src/models/handlers.js";
import { unavailableSyncHandlers } from "../../src/sync/handlers.js";
import { unavailableSecretsHandlers } from "../../src/secrets/handlers.js";
import { unavailableTunnelHandlers } from "../../src/tunnel/handlers.js";
import { unavailableDeployHandlers } from "../../src/deploy/handlers.js";
import { unavailableHealthHandlers } from "../../src/health/handlers.js";
import { unavailableLogsHandlers } from "../../src/log/handlers.js";
import { CommandExecutor } from "../../src/commands/executor.js";
import type { CommandHandlers } from "../../src/commands/executor.js";
import { CommandStore } from "../../src/commands/store.js";
import { EdgeLink } from "../../src/link/edge-link.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { exampleOverview } from "../helpers/overview.js";
import { unavailableWorkflowsHandlers } from "../../src/workflows/handlers.js";
import { unavailableGalleryHandlers } from "../../src/gallery/handlers.js";

const log = createRootLogger({ level: "silent" });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

function tempStorePath(): string {
  const dir = mkdtempSync(join(tmpdir(), "cc-commands-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, "state", "commands.sqlite");
}

function openStore(path = ":memory:"): CommandStore {
  const store = new CommandStore({ path });
  cleanups.push(() => store.close());
  return store;
}

/** Handlers that count calls; `service.restart` takes `delayMs`. */
function countingHandlers(delayMs = 0): { handlers: CommandHandlers; calls: string[] } {
  const calls: string[] = [];
  const service = (name: string): Service => ({
    name,
    pm_id: 0,
    status: "online",
    pid: 42,
    started_at: null,
    uptime_s: null,
    restarts: calls.length,
    cpu_percent: 0,
    memory_bytes: 0,
  });
  const handlers: CommandHandlers = {
    ...unavailableComfyuiControl(),
    ...unavailableModels(),
    ...unavailableSyncHandlers(),
    ...unavailableSecretsHandlers(),
    ...unavailableTunnelHandlers(),
    ...unavailableDeployHandlers(),
    ...unavailableHealthHandlers(),
    ...unavailableLogsHandlers(),
    ...unavailableWorkflowsHandlers("not started in this test"),
    ...unavailableGalleryHandlers("not started in this test"),
    "service.start": ({ name }) => {
      calls.push(`start ${name}`);
      if (name === "missing") {
        return Promise.reject(new ComfyCarryError("service_not_found", `no PM2 process named "${name}"`));
      }
      return Promise.resolve(service(name));
    },
    "service.stop": ({ name }) => {
      calls.push(`stop ${name}`);
      return Promise.resolve(service(name));
    },
    "service.restart": async ({ name }) => {
      calls.push(`restart ${name}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return service(name);
    },
    "comfyui.interrupt": () => {
      calls.push("interrupt");
      return Promise.resolve({ interrupted: true });
    },
    "comfyui.queue.clear": () => {
      calls.push("clear");
      return Promise.resolve({ cleared: 3 });
    },
  };
  return { handlers, calls };
}

function command(name: string, args: unknown, deadlineInMs = 5_000) {
  return { id: randomUUID(), name, args, deadline: toUtcTimestamp(new Date(Date.now() + deadlineInMs)) };
}

describe("command executor", () => {
  it("rejects a name outside the allowlist", async () => {
    const { handlers } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("shell.exec", { cmd: "ls" }));

    expect(outcome.ok ? null : outcome.error.code).toBe("unknown_command");
  });

  it("rejects a service name that reads as a flag", async () => {
    const { handlers, calls } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("service.start", { name: "--force" }));

    expect(outcome.ok ? null : outcome.error.code).toBe("invalid_arguments");
    expect(calls).toEqual([]);
  });

  it("rejects extra argument keys", async () => {
    const { handlers, calls } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("comfyui.queue.clear", { also: "history" }));

    expect(outcome.ok ? null : outcome.error.code).toBe("invalid_arguments");
    expect(calls).toEqual([]);
  });

  it("runs a valid command and returns its data", async () => {
    const { handlers } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("comfyui.queue.clear", undefined));

    expect(outcome).toEqual({ ok: true, data: { cleared: 3 } });
  });

  it("passes a handler's error code through", async () => {
    const { handlers } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("service.start", { name: "missing" }));

    expect(outcome.ok ? null : outcome.error.code).toBe("service_not_found");
  });

  it("skips a command whose deadline passed", async () => {
    const { handlers, calls } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });

    const outcome = await executor.execute(command("service.restart", { name: "comfy" }, -1_000));

    expect(outcome.ok ? null : outcome.error.code).toBe("command_timeout");
    expect(calls).toEqual([]);
  });

  it("runs a re-sent id once while it runs", async () => {
    const { handlers, calls } = countingHandlers(50);
    const executor = new CommandExecutor({ store: openStore(), handlers, log });
    const restart = command("service.restart", { name: "comfy" });

    const [first, second] = await Promise.all([executor.execute(restart), executor.execute(restart)]);

    expect(calls).toEqual(["restart comfy"]);
    expect(second).toEqual(first);
  });

  it("returns the stored outcome for a repeated id", async () => {
    const { handlers, calls } = countingHandlers();
    const executor = new CommandExecutor({ store: openStore(), handlers, log });
    const stop = command("service.stop", { name: "comfy" });

    const first = await executor.execute(stop);
    const second = await executor.execute(stop);

    expect(calls).toEqual(["stop comfy"]);
    expect(second).toEqual(first);
  });

  it("keeps ids across a new executor on the same file", async () => {
    const path = tempStorePath();
    const { handlers, calls } = countingHandlers();
    const stop = command("service.stop", { name: "comfy" });
    const firstStore = new CommandStore({ path });
    const first = await new CommandExecutor({ store: firstStore, handlers, log }).execute(stop);
    firstStore.close();

    const second = await new CommandExecutor({ store: openStore(path), handlers, log }).execute(stop);

    expect(calls).toEqual(["stop comfy"]);
    expect(second).toEqual(first);
  });

  it("fails a command cut off by a reporter stop", async () => {
    const path = tempStorePath();
    const { handlers, calls } = countingHandlers();
    const clear = command("comfyui.queue.clear", {});
    const crashed = new CommandStore({ path });
    crashed.claim(clear.id, clear.name);
    crashed.close();

    const store = openStore(path);
    const closed = store.closeInterrupted();
    const outcome = await new CommandExecutor({ store, handlers, log }).execute(clear);

    expect(closed).toBe(1);
    expect(outcome.ok ? null : outcome.error.code).toBe("command_failed");
    expect(calls).toEqual([]);
  });
});

describe("command store", () => {
  it("prunes rows past the retention time", () => {
    let now = 1_000_000;
    const store = new CommandStore({ path: ":memory:", retentionMs: 1_000, now: () => now });
    cleanups.push(() => store.close());
    store.claim("a", "service.stop");
    store.finish("a", { ok: true, data: null });
    now += 2_000;
    store.claim("b", "service.stop");
    store.finish("b", { ok: true, data: null });

    expect(store.prune()).toBe(1);
    expect(store.claim("b", "service.stop").kind).toBe("done");
  });

  it("caps the number of rows", () => {
    let now = 0;
    const store = new CommandStore({ path: ":memory:", maxRows: 2, now: () => (now += 1) });
    cleanups.push(() => store.close());
    for (const id of ["a", "b", "c"]) {
      store.claim(id, "service.stop");
      store.finish(id, { ok: true, data: null });
    }

    expect(store.prune()).toBe(1);
    expect(store.claim("a", "service.stop").kind).toBe("claimed");
  });
});

describe("command re-sent after a reconnect", () => {
  it("runs once and answers both sends", async () => {
    const { handlers, calls } = countingHandlers(150);
    const executor = new CommandExecutor({ store: openStore(), handlers, log });
    const edge = await FakeEdge.start();
    cleanups.push(() => edge.close());
    const link = new EdgeLink({
      url: edge.url,
      token: "tok_0123456789abcdef0123",
      log,
      hello: () => ({
        type: "hello",
        protocol_version: PROTOCOL_VERSION,
        instance_id: "gpu-1",
        reporter_version: "0.1.0",
        started_at: toUtcTimestamp(),
        host: { hostname: "box", platform: "linux", arch: "x64", node_version: "v22", cpu_model: "cpu", cpu_cores: 1, memory_total_bytes: 1, gpu_names: [] },
      }),
      snapshot: () => Promise.resolve(exampleOverview()),
      commands: executor,
      backoff: { initialMs: 10, maxMs: 100, factor: 2 },
    });
    cleanups.push(() => link.stop());
    link.start();
    await waitFor("a welcomed link", () => link.connected);
    const restart = { type: "command" as const, ...command("service.restart", { name: "comfy" }), name: "service.restart" as const };

    edge.last.send(restart);
    await waitFor("the handler to start", () => calls.length === 1);
    edge.last.socket.terminate();
    await waitFor("a second welcomed connection", () => edge.connections.length === 2 && link.connected);
    edge.last.send(restart);
    await waitFor("a command result on the new connection", () => edge.last.frames.some((frame) => frame.type === "command_result"));
    edge.last.send(restart);
    await waitFor("a second result on the new connection", () => edge.framesOf("command_result").length === 2);

    expect(calls).toEqual(["restart comfy"]);
    expect(edge.framesOf("command_result").every((frame) => frame.ok)).toBe(true);
  });
});
