import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { portAcceptsConnections } from "../../src/comfyui-control/process/port-holder.js";
import { FAKE_PYTHON } from "./helpers/checkout.js";
import { createHarness } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";
import { pollUntil } from "./helpers/poll.js";

let harness: Harness;
const strays: ChildProcess[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a process on ComfyUI's port outside PM2 and waits until the port accepts connections. */
async function holdPort(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { cwd: harness.comfyuiDir, stdio: "ignore", detached: true });
  strays.push(child);
  await pollUntil("the stray process to listen", () => portAcceptsConnections(harness.port), (held) => held);
  return child.pid ?? 0;
}

beforeAll(async () => {
  harness = await createHarness();
}, 60_000);

afterEach(() => {
  for (const child of strays.splice(0)) {
    child.kill("SIGKILL");
  }
});

afterAll(async () => {
  await harness.close();
});

describe("process control", () => {
  it("ends an orphan ComfyUI that holds the port", async () => {
    const orphan = await holdPort(FAKE_PYTHON, [join(harness.comfyuiDir, "main.py"), "--listen", "127.0.0.1", "--port", String(harness.port)]);

    const result = await harness.call("comfyui.restart", {});

    expect(result.orphan_pid).toBe(orphan);
    expect(result.online).toBe(true);
    expect(alive(orphan)).toBe(false);
  });

  it("comes online without a crash loop after freeing the port", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const status = await harness.call("comfyui.status");

    expect(status.process.status).toBe("online");
    expect(status.process.restarts).toBe(0);
    expect(status.process.online).toBe(true);
  });

  it("restart reports the stopped process", async () => {
    harness.stopped.length = 0;

    await harness.call("comfyui.restart", {});

    expect(harness.stopped).toEqual(["restarted"]);
  });

  it("stop reports the stopped process", async () => {
    harness.stopped.length = 0;

    await harness.call("comfyui.stop");

    expect(harness.stopped).toEqual(["stopped"]);
  });

  it("start calls onChange twice", async () => {
    const before = harness.changes.count;

    await harness.call("comfyui.start", {});

    expect(harness.changes.count - before).toBe(2);
  });

  it("stops ComfyUI and frees the port", async () => {
    const result = await harness.call("comfyui.stop");

    expect(result.status).toBe("stopped");
    expect(await portAcceptsConnections(harness.port)).toBe(false);
  });

  it("leaves another program on the port alone", async () => {
    const other = await holdPort(process.execPath, ["-e", `require("node:net").createServer().listen(${harness.port}, "127.0.0.1")`]);

    const error = await harness.call("comfyui.start", {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ComfyCarryError);
    expect((error as ComfyCarryError).params?.["pid"]).toBe(other);
    expect(alive(other)).toBe(true);
  });
});
