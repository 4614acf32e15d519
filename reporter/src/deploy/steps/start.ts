/**
 * Start: ComfyUI under PM2 on the loopback address with the chosen launch options, each
 * checked against the installed version's `--help` first. A ComfyUI already running with
 * the same arguments is left alone.
 */
import { ComfyCarryError } from "@comfycarry/shared";

import type { DeployStepDefinition } from "../context.js";
import { DeployStepError } from "../context.js";
import { comfyuiPython } from "./attention.js";

export const startStep: DeployStepDefinition = {
  id: "start",
  kind: "check",
  inputs: () => Promise.resolve({}),
  async run(context) {
    const { control } = context.deps;
    // The settings object is shared with the planner and process control, so ComfyUI page restarts use this Python too.
    control.settings.python = comfyuiPython(context);

    const options = context.request.launch_options;
    if (options.listen !== "127.0.0.1") {
      context.line(`listen address ${options.listen}: ComfyUI is reachable without the dashboard login`);
    }
    let args: string[];
    try {
      args = (await control.launch.set(options, false, 0)).args;
    } catch (error) {
      if (error instanceof ComfyCarryError) {
        throw new DeployStepError("launch_options_invalid", error.message);
      }
      throw error;
    }

    const status = await control.process.status();
    const running = await control.process.runningArgs();
    if (status.status === "online" && JSON.stringify(running) === JSON.stringify(args)) {
      context.line(`ComfyUI already runs with these options (pid ${status.pid ?? "unknown"})`);
      return { args };
    }
    context.line(`starting: ${args.join(" ")}`);
    await control.process.restart(0, context.signal, args);
    return { args };
  },
};
