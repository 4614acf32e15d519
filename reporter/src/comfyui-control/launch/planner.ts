/** Building and checking ComfyUI's command line against what the installed version accepts. */
import { stat } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import type { LaunchOptions } from "@comfycarry/shared";

import { describeEnd, run } from "../python/run.js";
import type { ControlSettings } from "../settings.js";
import { comfyuiPort } from "../settings.js";
import { launchArgs } from "./args.js";
import { checkArgs } from "./check.js";
import { parseHelp } from "./help.js";
import type { AcceptedOptions } from "./help.js";
import { quoteWords } from "./words.js";

export interface LaunchPlan {
  args: string[];
  preview: string;
}

/** Reads `main.py --help` once per version of the checkout (keyed by the files' change times). */
export class LaunchPlanner {
  readonly #settings: ControlSettings;
  #cache: { key: string; accepted: AcceptedOptions } | null = null;

  constructor(settings: ControlSettings) {
    this.#settings = settings;
  }

  /** Returns the argument list for `options` once every argument passed ComfyUI's own option list. */
  async plan(options: LaunchOptions): Promise<LaunchPlan> {
    const args = launchArgs(options, comfyuiPort(this.#settings));
    checkArgs(args, await this.accepted());
    return { args, preview: quoteWords([this.#settings.python, "main.py", ...args]) };
  }

  async accepted(): Promise<AcceptedOptions> {
    const key = await this.#versionKey();
    if (this.#cache?.key === key) {
      return this.#cache.accepted;
    }

    const result = await run(this.#settings.python, ["main.py", "--help"], { cwd: this.#settings.comfyuiDir, timeoutMs: 120_000 });
    if (result.exitCode !== 0) {
      throw new ComfyCarryError(
        "command_failed",
        `Could not read the options of ComfyUI: "${this.#settings.python} main.py --help" in ${this.#settings.comfyuiDir} ${describeEnd(result)}. ${result.stderrTail}`.trim(),
      );
    }
    const accepted = parseHelp(result.stdout);
    if (accepted.options.size === 0) {
      throw new ComfyCarryError("command_failed", `"main.py --help" printed no options this reporter can read; check COMFYUI_DIR (${this.#settings.comfyuiDir}).`);
    }
    this.#cache = { key, accepted };
    return accepted;
  }

  async #versionKey(): Promise<string> {
    const times = await Promise.all(
      ["main.py", join("comfy", "cli_args.py")].map((file) =>
        stat(join(this.#settings.comfyuiDir, file)).then(
          (found) => String(found.mtimeMs),
          () => "-",
        ),
      ),
    );
    return times.join("/");
  }
}
