/**
 * A reporter-like process that runs one deploy and exits, for the kill -9 tests. Usage:
 * `node --import tsx engine-child.ts '<json>'`. It prints one JSON line per step change and
 * one when the deploy finishes. With `kill`, it sends itself SIGKILL `delay_ms` after step
 * `step` starts (0 kills as the step starts), or `at_ms` after the deploy starts.
 */
import { deployRequestSchema } from "@comfycarry/shared";
import type { DeployStepId } from "@comfycarry/shared";
import { pino } from "pino";
import { z } from "zod";

import { ComfyuiControl } from "../../../src/comfyui-control/index.js";
import type { DeployStepDefinition } from "../../../src/deploy/context.js";
import { DeployEngine } from "../../../src/deploy/engine.js";
import { deploySettings } from "../../../src/deploy/settings.js";
import { DEPLOY_STEPS } from "../../../src/deploy/steps/index.js";
import { H100 } from "./world.js";

const argsSchema = z.object({
  workspaceDir: z.string(),
  comfyuiDir: z.string(),
  stateDir: z.string(),
  comfyuiUrl: z.string(),
  service: z.string(),
  pm2Home: z.string(),
  repository: z.string(),
  request: z.unknown(),
  kill: z.union([z.object({ step: z.string(), delay_ms: z.number() }), z.object({ at_ms: z.number() })]).nullable(),
});

const args = argsSchema.parse(JSON.parse(process.argv[2] ?? "{}"));
const log = pino({ level: process.env["TEST_LOG_LEVEL"] ?? "silent" }, pino.destination(2));
const print = (line: object): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`);
};

function die(): void {
  process.kill(process.pid, "SIGKILL");
}

/** Wraps the step the kill aims at, so the SIGKILL lands inside it. */
function withKill(step: DeployStepDefinition): DeployStepDefinition {
  const kill = args.kill;
  if (kill === null || !("step" in kill) || kill.step !== step.id) {
    return step;
  }
  return {
    ...step,
    run: (context) => {
      if (kill.delay_ms < 1) {
        die();
      }
      setTimeout(die, kill.delay_ms).unref();
      return step.run(context);
    },
  };
}

const config = { workspaceDir: args.workspaceDir, comfyuiDir: args.comfyuiDir, comfyuiUrl: args.comfyuiUrl, comfyuiService: args.service, stateDir: args.stateDir };
const control = new ComfyuiControl({ config, log, emit: () => undefined, pm2Home: args.pm2Home, env: {} });
const engine = new DeployEngine({
  settings: { ...deploySettings(config, { COMFYCARRY_DEPLOY_MIN_FREE_GB: "0" }), defaultRepository: args.repository },
  deps: { control, sync: null, gpus: () => [H100], modelsToQueue: () => Promise.resolve([]), tokens: () => ({ civitai: false, huggingface: false }) },
  log,
  steps: DEPLOY_STEPS.map(withKill),
  emit: (event) => {
    if (event.kind === "deploy.step") {
      print({ event: "step", id: event.step.id as DeployStepId, state: event.step.state, at: Date.now(), error: event.step.error?.message ?? null });
    } else if (event.kind === "deploy.finished") {
      print({ event: "finished", state: event.state, at: Date.now() });
    }
  },
});

const kill = args.kill;
if (kill !== null && "at_ms" in kill) {
  setTimeout(die, kill.at_ms).unref();
}
print({ event: "begin", at: Date.now() });
await engine.start(deployRequestSchema.parse(args.request));
await engine.idle();
await engine.close();
await control.stop();
