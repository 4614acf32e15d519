/** A ComfyUI checkout run by a private PM2 daemon, and ComfyUI control wired to both. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { commandSchemas } from "@comfycarry/shared";
import type { CommandArgs, CommandName, CommandResultData, ProtocolEvent } from "@comfycarry/shared";
import { pino } from "pino";

import { ComfyuiControl, createComfyuiControlHandlers } from "../../../src/comfyui-control/index.js";
import { freePort } from "../../helpers/simulator.js";
import { FAKE_PYTHON, createCheckout } from "./checkout.js";
import { createPm2Home } from "./pm2-home.js";
import type { Pm2Home } from "./pm2-home.js";

export const SERVICE = "comfy-test";

export interface Harness {
  root: string;
  comfyuiDir: string;
  url: string;
  port: number;
  pipLog: string;
  pm2: Pm2Home;
  control: ComfyuiControl;
  events: ProtocolEvent[];
  /** The actions ComfyUI control reported through its `onStopped` hook, oldest first. */
  stopped: string[];
  /** Number of calls to the `onChange` hook of ComfyUI control. */
  changes: { count: number };
  /** Runs a command the way the executor does: arguments and result parsed with the shared schemas. */
  call<N extends CommandName>(name: N, args?: Partial<CommandArgs<N>>): Promise<CommandResultData<N>>;
  close(): Promise<void>;
}

/** Environment the PM2-started simulator inherits from this test process. */
function prepareEnvironment(pipLog: string): void {
  process.env["FAKE_PYTHON_NODE"] = process.execPath;
  process.env["FAKE_PIP_LOG"] = pipLog;
  process.env["FAKE_NVIDIA_SMI_PRESET"] = "h100";
  process.env["COMFYUI_SIM_STEP_MS"] = "20";
  process.env["COMFYUI_SIM_NODE_MS"] = "5";
}

export interface HarnessOptions {
  /** Settings of ComfyUI control, as environment variables. */
  env?: Record<string, string>;
  /** Runs before the checkout exists, e.g. to create fixture repositories under `root`. */
  prepare?: (root: string, comfyuiDir: string) => Promise<void>;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), "cc-control-"));
  const comfyuiDir = join(root, "ComfyUI");
  const pipLog = join(root, "pip.log");
  prepareEnvironment(pipLog);
  await options.prepare?.(root, comfyuiDir);
  await createCheckout(comfyuiDir);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const pm2 = await createPm2Home();
  const events: ProtocolEvent[] = [];
  const stopped: string[] = [];
  const changes = { count: 0 };
  const control = new ComfyuiControl({
    config: { comfyuiDir, comfyuiUrl: url, comfyuiService: SERVICE, stateDir: join(root, "state") },
    log: pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" }),
    emit: (event) => events.push(event),
    pm2Home: pm2.path,
    processHooks: { onChange: () => (changes.count += 1), onStopped: (action) => stopped.push(action) },
    env: { COMFYUI_PYTHON: FAKE_PYTHON, COMFYUI_START_TIMEOUT_S: "30", ...options.env },
  });
  const handlers = createComfyuiControlHandlers(control);

  const call = async <N extends CommandName>(name: N, args: Partial<CommandArgs<N>> = {}): Promise<CommandResultData<N>> => {
    const spec = commandSchemas[name];
    const handler = handlers[name as keyof typeof handlers] as ((args: unknown, context: unknown) => Promise<unknown>) | undefined;
    if (handler === undefined) {
      throw new Error(`no handler for ${name}`);
    }
    const result = await handler(spec.args.parse(args), { signal: AbortSignal.timeout(120_000), log: pino({ level: "silent" }) });
    return spec.result.parse(result) as CommandResultData<N>;
  };

  return {
    root,
    comfyuiDir,
    url,
    port,
    pipLog,
    pm2,
    control,
    events,
    stopped,
    changes,
    call,
    async close() {
      await control.stop();
      await pm2.kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The arguments a process runs with, after its script, read from /proc. */
export async function processArgs(pid: number): Promise<string[]> {
  const { readFile } = await import("node:fs/promises");
  const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0").filter((part) => part !== "");
  const script = argv.findIndex((part) => part.endsWith("main.py"));
  return argv.slice(script + 1);
}
