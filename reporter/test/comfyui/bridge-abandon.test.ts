import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { ProtocolEvent } from "@comfycarry/shared";
import { afterEach, describe, expect, it } from "vitest";

import { ComfyuiBridge } from "../../src/comfyui/bridge.js";
import { ComfyuiHttp } from "../../src/comfyui/http.js";
import { createRootLogger } from "../../src/log/logger.js";

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const GRAPH = { "3": { class_type: "KSampler", inputs: {} }, "9": { class_type: "SaveImage", inputs: {} } };

/** Queue items as ComfyUI's /queue lists them: number, prompt id, graph, extra data, output nodes. */
function item(promptId: string, index: number): unknown[] {
  return [index, promptId, GRAPH, { client_id: "other" }, ["9"]];
}

let server: Server | null = null;

afterEach(async () => {
  const current = server;
  server = null;
  current?.closeAllConnections();
  await new Promise<void>((resolveClose) => current?.close(() => resolveClose()) ?? resolveClose());
});

/** Starts a /queue endpoint with one running and two pending prompts and returns a bridge that has read it. */
async function bridgeWithBusyQueue(): Promise<{ bridge: ComfyuiBridge; events: ProtocolEvent[] }> {
  const busy = { queue_running: [item("running-1", 1)], queue_pending: [item("pending-2", 2), item("pending-3", 3)] };
  const current = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify(busy));
  });
  server = current;
  await new Promise<void>((resolveListen) => current.listen(0, "127.0.0.1", resolveListen));
  const port = (current.address() as AddressInfo).port;

  // The bridge's own socket is never started, so only the test's calls read /queue.
  const bridge = new ComfyuiBridge({ http: new ComfyuiHttp(`http://127.0.0.1:${port}`), log });
  const events: ProtocolEvent[] = [];
  bridge.on("event", (event) => events.push(event));
  await bridge.refreshQueue();
  return { bridge, events };
}

describe("bridge abandonQueue", () => {
  it("zeroes the queue counts", async () => {
    const { bridge } = await bridgeWithBusyQueue();

    bridge.abandonQueue("ComfyUI was restarted; the prompt it was running is lost.");

    expect(bridge.view().queue_running).toBe(0);
    expect(bridge.view().queue_pending).toBe(0);
    bridge.stop();
  });

  it("tells the dashboard the queue is empty", async () => {
    const { bridge, events } = await bridgeWithBusyQueue();

    bridge.abandonQueue("ComfyUI was stopped; the prompt it was running is lost.");

    expect(events.at(-1)).toMatchObject({ kind: "comfyui.queue", queue_running: 0, queue_pending: 0 });
    expect(events.map((event) => event.kind)).toContain("comfyui.execution_error");
    bridge.stop();
  });

  it("takes the counts of the next read", async () => {
    const { bridge } = await bridgeWithBusyQueue();
    bridge.abandonQueue("ComfyUI was restarted; the prompt it was running is lost.");

    await bridge.refreshQueue();

    expect(bridge.view().queue_pending).toBe(2);
    bridge.stop();
  });
});
