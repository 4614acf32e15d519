import { join } from "node:path";

import { MODEL_EXTENSIONS } from "../downloads/file-name.js";

/**
 * ComfyUI's model folder keys and their default subfolders of `<ComfyUI>/models`, as
 * ComfyUI's folder_paths.py sets them up (2025–2026 releases), plus folders of widely used
 * custom nodes that the download queue also writes to. `configs`, `diffusers` and
 * `classifiers` are left out because they hold no single-file models.
 */
export const FOLDER_DEFAULTS: Record<string, string[]> = {
  checkpoints: ["checkpoints"],
  loras: ["loras"],
  vae: ["vae"],
  text_encoders: ["text_encoders", "clip"],
  diffusion_models: ["unet", "diffusion_models"],
  clip_vision: ["clip_vision"],
  style_models: ["style_models"],
  embeddings: ["embeddings"],
  vae_approx: ["vae_approx"],
  controlnet: ["controlnet", "t2i_adapter"],
  gligen: ["gligen"],
  upscale_models: ["upscale_models"],
  hypernetworks: ["hypernetworks"],
  photomaker: ["photomaker"],
  model_patches: ["model_patches"],
  audio_encoders: ["audio_encoders"],
  animatediff_models: ["animatediff_models"],
  ipadapter: ["ipadapter"],
  ultralytics: ["ultralytics"],
  sams: ["sams"],
  etc: ["etc"],
};

/** Old key names that extra_model_paths.yaml may still use. */
export const FOLDER_ALIASES: Record<string, string> = { clip: "text_encoders", unet: "diffusion_models" };

/** Keys in extra_model_paths.yaml that are not model folders. */
export const NON_MODEL_KEYS = new Set(["base_path", "is_default", "custom_nodes", "configs", "diffusers", "classifiers", "download_model_base"]);

/** One directory ComfyUI searches for a folder key. */
export interface ModelRoot {
  folder: string;
  dir: string;
  /** `default` for `<ComfyUI>/models/…`, else the section name in extra_model_paths.yaml. */
  source: string;
}

/** Returns the default roots below a ComfyUI `models` directory. */
export function defaultRoots(modelsDir: string): ModelRoot[] {
  return Object.entries(FOLDER_DEFAULTS).flatMap(([folder, subdirs]) => subdirs.map((subdir) => ({ folder, dir: join(modelsDir, subdir), source: "default" })));
}

/** Returns whether a file name has an extension ComfyUI loads as a model. */
export function isModelFile(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith(".") && MODEL_EXTENSIONS.some((extension) => lower.endsWith(extension));
}
