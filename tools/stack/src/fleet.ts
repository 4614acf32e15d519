/**
 * @module Many reporters on one local edge: `wrangler dev`, then one enrolled instance and
 * one real reporter process per member under a single PM2, each with its own workspace,
 * state folder and simulated GPU (the fake nvidia-smi on PATH). No ComfyUI runs, so every
 * member reports ComfyUI offline; the fleet page, status and metrics are what this tests.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { OFFLINE_REPORTER_ENV, REPORTER_FATAL_EXIT_CODE, REPORTER_MALLOC_ENV, REPORTER_NODE_ARGS, REPORTER_PM2_FLAGS } from "./stack.js";
import { EdgeClient } from "./edge-client.js";
import { startEdge, type LocalEdge } from "./edge.js";
import { paths } from "./paths.js";
import { Pm2Cli } from "./pm2.js";
import { findFreePort } from "./ports.js";

export interface LocalFleetOptions {
  /** Folder for all state: edge storage, PM2_HOME, one folder per member. */
  stateDir: string;
  /** Number of reporters. */
  count: number;
  /** GPU preset under tools/fake-nvidia-smi/presets, the same for every member. */
  preset?: string;
  /** Extra edge variables, e.g. provider base URLs pointing at loopback fakes. */
  edgeVars?: Record<string, string>;
}

/** One member of the fleet: its instance and the PM2 name of its reporter. */
export interface FleetMember {
  instanceId: string;
  name: string;
  process: string;
}

export class LocalFleet {
  private constructor(
    readonly edge: LocalEdge,
    readonly client: EdgeClient,
    readonly password: string,
    readonly pm2: Pm2Cli,
    readonly members: FleetMember[],
  ) {}

  /** Starts the edge and every reporter; returns once the reporters are started, not yet connected. */
  static async start(options: LocalFleetOptions): Promise<LocalFleet> {
    await mkdir(options.stateDir, { recursive: true });
    const password = randomBytes(12).toString("base64url");
    const edge = await startEdge({
      stateDir: options.stateDir,
      port: await findFreePort(),
      secrets: { DASHBOARD_PASSWORD: password, SESSION_SECRET: randomBytes(32).toString("base64url"), SECRETS_KEY: randomBytes(32).toString("base64url") },
      vars: options.edgeVars,
    });
    const pm2 = new Pm2Cli(join(options.stateDir, "pm2"));

    try {
      const client = new EdgeClient(edge.url);
      await client.login(password);
      const presetFile = join(options.stateDir, "gpu-preset.json");
      await copyFile(join(paths.presetsDir, `${options.preset ?? "h100"}.json`), presetFile);

      const members: FleetMember[] = [];
      for (let index = 0; index < options.count; index += 1) {
        const name = `fleet-${String(index + 1).padStart(2, "0")}`;
        const created = await client.createInstance(name);
        const member = { instanceId: created.instance_id, name, process: `reporter-${name}` };
        await LocalFleet.startReporter(pm2, options.stateDir, edge.url, presetFile, member, created.token);
        members.push(member);
      }
      return new LocalFleet(edge, client, password, pm2, members);
    } catch (error) {
      await pm2.kill();
      await edge.stop();
      throw error;
    }
  }

  private static async startReporter(pm2: Pm2Cli, stateDir: string, edgeUrl: string, presetFile: string, member: FleetMember, token: string): Promise<void> {
    const dir = join(stateDir, member.name);
    const workspaceDir = join(dir, "workspace");
    await mkdir(workspaceDir, { recursive: true });
    const tokenFile = join(dir, "instance-token");
    await writeFile(tokenFile, token, { mode: 0o600 });

    await pm2.start({
      name: member.process,
      script: paths.reporterEntry,
      args: [],
      env: {
        PATH: `${paths.fakeNvidiaSmiBin}:${process.env.PATH ?? ""}`,
        FAKE_NVIDIA_SMI_PRESET: presetFile,
        EDGE_URL: edgeUrl,
        COMFYCARRY_INSTANCE_ID: member.instanceId,
        COMFYCARRY_TOKEN_FILE: tokenFile,
        WORKSPACE_DIR: workspaceDir,
        COMFYUI_DIR: join(workspaceDir, "ComfyUI"),
        // A free port nothing listens on: these members run no ComfyUI.
        COMFYUI_URL: `http://127.0.0.1:${await findFreePort()}`,
        COMFYUI_SERVICE: `comfy-${member.name}`,
        COMFYCARRY_COMFYUI_PROXY_PORT: String(await findFreePort()),
        COMFYCARRY_STATE_DIR: join(dir, "reporter-state"),
        PM2_HOME: pm2.pm2Home,
        LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
        ...REPORTER_MALLOC_ENV,
        ...OFFLINE_REPORTER_ENV,
      },
      cwd: workspaceDir,
      stopExitCodes: [REPORTER_FATAL_EXIT_CODE],
      nodeArgs: REPORTER_NODE_ARGS,
      pm2Flags: REPORTER_PM2_FLAGS,
    });
  }

  /** Calls the edge with the owner's session, as the dashboard does. */
  async request(path: string, init: { method?: string; body?: unknown; bearer?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { origin: this.edge.url };
    if (init.bearer === undefined) {
      headers.cookie = this.client.sessionCookie ?? "";
    } else {
      headers.authorization = `Bearer ${init.bearer}`;
    }
    if (init.body !== undefined) {
      headers["content-type"] = "application/json";
    }
    return fetch(`${this.edge.url}${path}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  }

  async stop(): Promise<void> {
    await this.pm2.kill();
    await this.edge.stop();
  }
}
