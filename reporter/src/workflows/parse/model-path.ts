/** Turns widget values into model paths inside a folder, and spots values that look like model files. */
import { NOT_A_FILE } from "./loaders.js";

/** ComfyUI's model extensions (folder_paths.supported_pt_extensions) plus GGUF and ONNX, which popular packs load. */
const MODEL_EXTENSIONS = [".ckpt", ".pt", ".pt2", ".bin", ".pth", ".safetensors", ".pkl", ".sft", ".gguf", ".onnx"];

/**
 * Normalises a widget value to a `/`-separated path inside its folder, or returns null when the
 * value is a placeholder such as "None" or "Baked VAE". Windows separators become `/`, and an
 * absolute Windows path keeps only its file name because the folder part names the saving machine.
 */
export function modelPath(value: unknown): string | null {
  if (typeof value !== "string") {
    return null;
  }
  const trimmed = value.trim();
  if (NOT_A_FILE.has(trimmed.toLowerCase())) {
    return null;
  }
  let path = trimmed.replace(/\\/g, "/").replace(/\/{2,}/g, "/");
  if (/^[A-Za-z]:\//.test(path) || path.startsWith("/")) {
    path = path.split("/").at(-1) ?? "";
  }
  path = path.replace(/^(\.\/)+/, "");
  if (path === "" || path.split("/").includes("..")) {
    return null;
  }
  return path;
}

/** Returns whether a value of an unknown node looks like a model file name. */
export function looksLikeModel(value: unknown): boolean {
  const path = modelPath(value);
  if (path === null) {
    return false;
  }
  const lower = path.toLowerCase();
  return MODEL_EXTENSIONS.some((extension) => lower.endsWith(extension));
}
