/**
 * A deploy test world: fixture wheels and repositories, an empty workspace, a private PM2
 * daemon, and the ComfyUI control and deploy engine wired to them in this process.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { DeployRequestInput, Gpu, ProtocolEvent } from "@comfycarry/shared";
import { deployRequestSchema } from "@comfycarry/shared";
import { pino } from "pino";

import { buildDeployFixtures } from "../../../../tools/deploy-fixtures/src/index.js";
import type { DeployFixtures } from "../../../../tools/deploy-fixtures/src/index.js";
import { ComfyuiControl } from "../../../src/comfyui-control/index.js";
import type { DeployDeps } from "../../../src/deploy/context.js";
import { DeployEngine } from "../../../src/deploy/engine.js";
import { deploySettings } from "../../../src/deploy/settings.js";
import type { DeploySyncPort } from "../../../src/deploy/sync-port.js";
import { createPm2Home } from "../../comfyui-control/helpers/pm2-home.js";
import type { Pm2Home } from "../../comfyui-control/helpers/pm2-home.js";
import { SIMULATOR_ENTRY, freePort } from "../../helpers/simulator.js";

export const SERVICE = "comfy-deploy-test";

/** The GPU the simulator's h100 preset shows, as the reporter's sampler would report it. */
export const H100: Gpu = {
  index: 0,
  name: "NVIDIA H100 80GB HBM3",
  uuid: null,
  utilization_percent: 0,
  temperature_c: 30,
  power_draw_w: 70,
  power_limit_w: 700,
  memory_used_bytes: 0,
  memory_total_bytes: 80 * 1024 ** 3,
  compute_capability: "9.0",
};

export interface World {
  root: string;
  fixtures: DeployFixtures;
  workspaceDir: string;
  comfyuiDir: string;
  stateDir: string;
  url: string;
  port: number;
  pm2: Pm2Home;
  /** Environment for a process that runs the engine, so pip installs only the fixture wheels. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Builds the fixtures and sets this process's environment so pip and the simulator use them. */
export async function createWorld(): Promise<World> {
  const root = await mkdtemp(join(tmpdir(), "cc-deploy-"));
  const fixtures = buildDeployFixtures(await mkdirAndReturn(join(root, "fixtures")), process.execPath, SIMULATOR_ENTRY);
  const workspaceDir = join(root, "workspace");
  const port = await freePort();
  const pm2 = await createPm2Home();
  const env = {
    ...fixtures.pipEnv,
    FAKE_NVIDIA_SMI_PRESET: "h100",
    COMFYUI_SIM_STEP_MS: "10",
    COMFYUI_SIM_NODE_MS: "5",
    COMFYCARRY_DEPLOY_MIN_FREE_GB: "0",
    PM2_HOME: pm2.path,
  };
  Object.assign(process.env, env);
  return {
    root,
    fixtures,
    workspaceDir,
    comfyuiDir: join(workspaceDir, "ComfyUI"),
    stateDir: join(workspaceDir, ".comfycarry"),
    url: `http://127.0.0.1:${port}`,
    port,
    pm2,
    env,
    async close() {
      await pm2.kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function mkdirAndReturn(path: string): Promise<string> {
  await mkdir(path, { recursive: true });
  return path;
}

export interface EngineHandle {
  engine: DeployEngine;
  control: ComfyuiControl;
  events: ProtocolEvent[];
  close(): Promise<void>;
}

/** Wires ComfyUI control and a deploy engine to the world, as app.ts does. */
export function createEngine(world: World, options: { sync?: DeploySyncPort | null; deps?: Partial<DeployDeps> } = {}): EngineHandle {
  const log = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" });
  const events: ProtocolEvent[] = [];
  const config = { workspaceDir: world.workspaceDir, comfyuiDir: world.comfyuiDir, comfyuiUrl: world.url, comfyuiService: SERVICE, stateDir: world.stateDir };
  const control = new ComfyuiControl({ config, log, emit: (event) => events.push(event), pm2Home: world.pm2.path, env: {} });
  const engine = new DeployEngine({
    settings: { ...deploySettings(config, { COMFYCARRY_DEPLOY_MIN_FREE_GB: "0" }), defaultRepository: world.fixtures.comfyuiUrl },
    deps: {
      control,
      sync: options.sync ?? null,
      gpus: () => [H100],
      modelsToQueue: () => Promise.resolve([]),
      tokens: () => ({ civitai: false, huggingface: false }),
      ...options.deps,
    },
    log,
    emit: (event) => events.push(event),
  });
  return {
    engine,
    control,
    events,
    async close() {
      await engine.close();
      await control.stop();
    },
  };
}

/** Builds a request with the defaults filled in. */
export function request(input: Partial<DeployRequestInput> = {}): ReturnType<typeof deployRequestSchema.parse> {
  return deployRequestSchema.parse({ mode: "fresh", ...input });
}
