import { createServer } from "node:http";
import type { Server } from "node:http";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { commandSchemas } from "@comfycarry/shared";
import type { CommandResultData } from "@comfycarry/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ComfyuiControl, createComfyuiControlHandlers } from "../../src/comfyui-control/index.js";
import type { ComfyuiControlHandlers } from "../../src/comfyui-control/index.js";
import { createPm2Home } from "./helpers/pm2-home.js";
import type { Pm2Home } from "./helpers/pm2-home.js";

const log = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" });
const STATS = { system: { comfyui_version: "0.3.75", pytorch_version: "2.8.0+cu128", python_version: "3.12.3" }, devices: [] };

let root: string;
let server: Server;
let pm2: Pm2Home;
let control: ComfyuiControl;
let handlers: ComfyuiControlHandlers;
// While true, /system_stats fails with 500 the way ComfyUI does when NVML cannot read the GPU, and /queue still responds.
let nvmlFailing = false;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "cc-status-"));
  await mkdir(join(root, "ComfyUI"));
  server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.url === "/queue") {
      response.end(JSON.stringify({ queue_running: [], queue_pending: [] }));
      return;
    }
    if (request.url === "/system_stats" && !nvmlFailing) {
      response.end(JSON.stringify(STATS));
      return;
    }
    response.statusCode = 500;
    response.end(JSON.stringify({ error: "NVML Error" }));
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  pm2 = await createPm2Home();
  control = new ComfyuiControl({
    config: { comfyuiDir: join(root, "ComfyUI"), comfyuiUrl: url, comfyuiService: "comfy-status-test", stateDir: join(root, "state") },
    log,
    emit: () => undefined,
    pm2Home: pm2.path,
    env: {},
  });
  handlers = createComfyuiControlHandlers(control);
}, 60_000);

afterAll(async () => {
  await control.stop();
  await pm2.kill();
  server.closeAllConnections();
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  await rm(root, { recursive: true, force: true });
});

async function status(): Promise<CommandResultData<"comfyui.status">> {
  const result = await handlers["comfyui.status"]({}, { signal: AbortSignal.timeout(60_000), log });
  return commandSchemas["comfyui.status"].result.parse(result);
}

describe("comfyui.status during an NVML failure", () => {
  it("reads the versions while /system_stats works", async () => {
    const result = await status();

    expect(result.version.comfyui).toBe("0.3.75");
  });

  it("reports ComfyUI online when only /queue responds", async () => {
    nvmlFailing = true;

    const result = await status();

    expect(result.process.online).toBe(true);
  });

  it("keeps the last known versions", async () => {
    nvmlFailing = true;

    const result = await status();

    expect(result.version).toEqual({ comfyui: "0.3.75", pytorch: "2.8.0+cu128", python: "3.12.3" });
  });
});
