// Where a CivitAI file lands under the models root. Shared because the reporter's download
// queue and the edge's CivitAI search must pick the same folder for the same file.

/** Folder for a CivitAI model type; companion file types (a VAE inside a checkpoint version) win. */
const CIVITAI_TYPE_FOLDERS: Record<string, string> = {
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

const CIVITAI_FILE_TYPE_FOLDERS: Record<string, string> = {
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

/**
 * Picks the folder for a CivitAI file. LoRA-like types get a base-model subfolder
 * (`loras/SDXL 1.0`) so the ComfyUI list stays sorted by family; unknown types go to `etc`.
 */
export function civitaiFolder(modelType: string, fileType: string | null, baseModel: string | null): string {
  const companion = fileType === null ? undefined : CIVITAI_FILE_TYPE_FOLDERS[fileType];
  if (companion !== undefined) {
    return companion;
  }
  const folder = CIVITAI_TYPE_FOLDERS[modelType] ?? "etc";
  const base = baseModel?.replace(/[/\\]/g, " ").trim() ?? "";
  return folder === "loras" && base !== "" ? `${folder}/${base}` : folder;
}
