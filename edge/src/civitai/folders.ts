/**
 * @module Where a CivitAI file would land under the models root, and its `?fileId=` download
 * link. The reporter's download queue picks folders by the same rules
 * (reporter/src/downloads/target-folder.ts); keep the two tables in step.
 */

const TYPE_FOLDERS: Record<string, string> = {
  Checkpoint: "checkpoints",
  LORA: "loras",
  LoCon: "loras",
  DoRA: "loras",
  TextualInversion: "embeddings",
  Hypernetwork: "hypernetworks",
  VAE: "vae",
  Controlnet: "controlnet",
  Upscaler: "upscale_models",
  MotionModule: "animatediff_models",
  UNet: "diffusion_models",
  TextEncoder: "text_encoders",
  CLIP: "text_encoders",
  CLIPVision: "clip_vision",
  Detection: "ultralytics/bbox",
};

// A companion file inside a version (the VAE shipped with a checkpoint) goes to its own folder.
const COMPANION_FOLDERS: Record<string, string> = {
  VAE: "vae",
  "Text Encoder": "text_encoders",
  "Vision Encoder": "clip_vision",
  UNet: "diffusion_models",
  "Diffusion Model": "diffusion_models",
  CLIPVision: "clip_vision",
  ControlNet: "controlnet",
  Upscaler: "upscale_models",
  "Enhancement LoRA": "loras",
  Negative: "embeddings",
};

/** Folder for one file; LoRA-like models get a base-model subfolder such as `loras/SDXL 1.0`. */
export function fileFolder(modelType: string, fileType: string, baseModel: string | null): string {
  const isMainFile = fileType === "Model" || fileType === "Pruned Model";
  const companion = isMainFile ? undefined : COMPANION_FOLDERS[fileType];
  if (companion !== undefined) {
    return companion;
  }
  const folder = TYPE_FOLDERS[modelType] ?? "etc";
  const base = baseModel?.replace(/[/\\]/g, " ").trim() ?? "";
  return folder === "loras" && base !== "" ? `${folder}/${base}` : folder;
}

/** The download API link of exactly one file, which CivitAI serves even when other selectors would not match. */
export function fileDownloadUrl(origin: string, versionId: number, fileId: number): string {
  const url = new URL(`/api/download/models/${versionId}`, origin);
  url.searchParams.set("fileId", String(fileId));
  return url.toString();
}
