/** Turning the launch form into ComfyUI's argument list. */
import { ComfyCarryError } from "@comfycarry/shared";
import type { LaunchOptions } from "@comfycarry/shared";

import { splitWords } from "./words.js";

const ATTENTION_FLAGS: Record<Exclude<LaunchOptions["attention"], "default">, string> = {
  split: "--use-split-cross-attention",
  quad: "--use-quad-cross-attention",
  pytorch: "--use-pytorch-cross-attention",
  sage: "--use-sage-attention",
  flash: "--use-flash-attention",
};

/** Options the reporter sets from its own settings, so the free-form field must not repeat them. */
const RESERVED: Record<string, string> = {
  "--listen": "set the bind address in the listen field instead",
  "--port": "the port comes from COMFYUI_URL; change that setting instead",
};

/** Builds the full argument list: bind address and port first, then the form, then the extra words. */
export function launchArgs(options: LaunchOptions, port: number): string[] {
  const extra = splitWords(options.extra_args);
  for (const word of extra) {
    const flag = word.split("=", 1)[0] ?? word;
    const reason = RESERVED[flag];
    if (reason !== undefined) {
      throw new ComfyCarryError("invalid_arguments", `Extra argument ${flag} is not allowed here: ${reason}.`, { option: flag });
    }
  }
  return ["--listen", options.listen, "--port", String(port), ...formArgs(options), ...extra];
}

function formArgs(options: LaunchOptions): string[] {
  const args: string[] = [];
  if (options.vram_mode !== "default") {
    args.push(`--${options.vram_mode}`);
  }
  if (options.preview_method !== "default") {
    args.push("--preview-method", options.preview_method);
  }
  if (options.attention !== "default") {
    args.push(ATTENTION_FLAGS[options.attention]);
  }
  if (options.force_precision !== "default") {
    args.push(`--force-${options.force_precision}`);
  }
  if (options.unet_precision !== "default") {
    args.push(`--${options.unet_precision}-unet`);
  }
  if (options.vae_precision !== "default") {
    args.push(options.vae_precision === "cpu" ? "--cpu-vae" : `--${options.vae_precision}-vae`);
  }
  if (options.text_encoder_precision !== "default") {
    args.push(`--${options.text_encoder_precision}-text-enc`);
  }
  if (options.fast !== false) {
    args.push("--fast", ...(options.fast === true ? [] : options.fast));
  }
  if (options.output_directory !== null) {
    args.push("--output-directory", options.output_directory);
  }
  if (options.extra_model_paths.length > 0) {
    args.push("--extra-model-paths-config", ...options.extra_model_paths);
  }
  if (options.enable_manager) {
    args.push("--enable-manager");
  }
  return args;
}
