export { civitaiFolder } from "@comfycarry/shared";

const HF_PATH_HINTS: [RegExp, string][] = [
  [/(^|\/)(vae|ae)(\/|\.|_|$)/i, "vae"],
  [/(^|\/)text_encoder(_\d)?\//i, "text_encoders"],
  [/(^|\/)(clip_vision|image_encoder)\//i, "clip_vision"],
  [/(^|\/)(unet|transformer|diffusion_models?)\//i, "diffusion_models"],
  [/(^|\/)controlnet/i, "controlnet"],
  [/lora/i, "loras"],
  [/(^|\/)(upscale|esrgan|realesrgan)/i, "upscale_models"],
  [/(^|\/)(embeddings?|textual_inversion)\//i, "embeddings"],
  [/(^|\/)(text_encoders?|t5|umt5|clip_[lg])[^/]*\.(safetensors|gguf)$/i, "text_encoders"],
];

/** Guesses a folder from a Hugging Face path; the user can override it before starting. */
export function huggingFaceFolder(path: string): string {
  for (const [pattern, folder] of HF_PATH_HINTS) {
    if (pattern.test(path)) {
      return folder;
    }
  }
  return "checkpoints";
}
