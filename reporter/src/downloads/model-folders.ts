import { mkdir, realpath } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

import { DownloadFailure } from "./failure.js";

/** ComfyUI's standard model folders; a target folder must start with one of them. */
export const MODEL_FOLDERS = [
  "checkpoints",
  "loras",
  "vae",
  "controlnet",
  "clip",
  "clip_vision",
  "diffusion_models",
  "unet",
  "text_encoders",
  "upscale_models",
  "embeddings",
  "hypernetworks",
  "animatediff_models",
  "style_models",
  "gligen",
  "photomaker",
  "ipadapter",
  "ultralytics",
  "sams",
  "vae_approx",
  "configs",
  "etc",
] as const;

/**
 * Checks a user- or metadata-supplied folder (e.g. `loras/SDXL 1.0`) and returns the
 * absolute directory, created if missing. Rejects `..`, absolute paths, unknown top-level
 * folders and symlinks that lead outside the models root.
 */
export async function prepareTargetDir(modelsRoot: string, folder: string): Promise<string> {
  const parts = folder.split(/[/\\]+/).filter((part) => part !== "");
  if (isAbsolute(folder) || parts.length === 0 || parts.some((part) => part === "." || part === ".." || /[\u0000-\u001f]/.test(part))) {
    throw invalidFolder(folder, "use a folder below the models root without .. or an absolute path");
  }
  if (!(MODEL_FOLDERS as readonly string[]).includes(parts[0] ?? "")) {
    throw invalidFolder(folder, `start it with one of ${MODEL_FOLDERS.join(", ")}`);
  }

  const root = await realpath(modelsRoot);
  const target = resolve(root, ...parts);
  if (!isInside(root, target)) {
    throw invalidFolder(folder, "the folder must stay inside the models root");
  }
  await mkdir(target, { recursive: true });

  // mkdir follows symlinks on the way, so check where the directory really is.
  const real = await realpath(target);
  if (!isInside(root, real)) {
    throw invalidFolder(folder, "a symlink in it leads outside the models root");
  }
  return real;
}

/** Joins a checked directory and a safe base name, refusing anything that would leave the directory. */
export function targetFile(dir: string, fileName: string): string {
  const path = join(dir, fileName);
  if (relative(dir, path) !== fileName || fileName.includes(sep)) {
    throw new DownloadFailure("invalid_target", `file name ${fileName} is not a plain file name`, { file_name: fileName });
  }
  return path;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function invalidFolder(folder: string, fix: string): DownloadFailure {
  return new DownloadFailure("invalid_target", `invalid target folder "${folder}": ${fix}`, { folder });
}
