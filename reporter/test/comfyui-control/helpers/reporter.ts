/** The whole reporter, started the way main.ts does, against a fake edge; commands go through the edge. */
import { randomUUID } from "node:crypto";
import { join } from "node:path";

import { toUtcTimestamp } from "@comfycarry/shared";
import type { CommandName, ProtocolEvent } from "@comfycarry/shared";
import { pino } from "pino";

import { startReporter } from "../../../src/app.js";
import type { RunningReporter } from "../../../src/app.js";
import { Pm2Client } from "../../../src/pm2/index.js";
import { FakeEdge, waitFor } from "../../helpers/fake-edge.js";
import { SERVICE } from "./harness.js";
import type { Harness } from "./harness.js";

const log = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" });

export async function startWholeReporter(harness: Harness, edge: FakeEdge): Promise<RunningReporter> {
  // ComfyUI control inside the reporter reads these from the environment, as in production.
  process.env["PM2_HOME"] = harness.pm2.path;
  process.env["COMFYUI_PYTHON"] = new URL("../fixtures/bin/python", import.meta.url).pathname;
  const connections = edge.connections.length;
  const reporter = await startReporter(
    {
      workspaceDir: harness.root,
      comfyuiDir: harness.comfyuiDir,
      comfyuiUrl: harness.url,
      edgeUrl: edge.url.replace("/api/reporter/ws", "").replace("ws:", "http:"),
      instanceId: "gpu-1",
      token: "tok_0123456789abcdef0123",
      stateDir: join(harness.root, "state"),
      comfyuiService: SERVICE,
      comfyuiProxyPort: 0,
      logLevel: "silent",
    },
    {
      system: {
        read: () =>
          Promise.resolve({
            hostname: "box",
            uptime_s: 1,
            cpu: { model: "cpu", cores: 2, usage_percent: 1 },
            memory: { total_bytes: 1, used_bytes: 0 },
            disk: { path: harness.root, total_bytes: 1, used_bytes: 0, free_bytes: 1 },
          }),
      },
      gpus: { current: () => ({ gpus: [], gpu_error: null }) },
      services: new Pm2Client({ logger: log, pm2Home: harness.pm2.path }),
    },
    log,
    (error) => {
      throw new Error(`unexpected refusal ${error.code}`);
    },
  );
  await waitFor("the reporter to connect to the fake edge", () => edge.connections.length > connections && edge.last.frames.some((frame) => frame.type === "hello"), 10_000);
  return reporter;
}

/** Sends a command through the fake edge and returns its outcome data; a failure throws with its message. */
export async function command(edge: FakeEdge, name: CommandName, args: object = {}): Promise<unknown> {
  const id = randomUUID();
  edge.last.send({ type: "command", id, name, args, deadline: toUtcTimestamp(new Date(Date.now() + 60_000)) });
  await waitFor(`the result of ${name}`, () => edge.framesOf("command_result").some((frame) => frame.id === id), 60_000);
  const result = edge.framesOf("command_result").find((frame) => frame.id === id);
  if (result === undefined || !result.ok) {
    throw new Error(`${name} failed: ${result !== undefined && !result.ok ? result.error.message : "no result"}`);
  }
  return result.data;
}

/** Every event the fake edge received. */
export function edgeEvents(edge: FakeEdge): ProtocolEvent[] {
  return edge.framesOf("event").map((frame) => frame.event);
}
