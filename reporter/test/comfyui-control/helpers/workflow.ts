/** A text-to-image prompt the simulator accepts, and a way to queue it. */
import { randomUUID } from "node:crypto";

/** A six-node text-to-image graph; `steps` sampler steps take `steps × COMFYUI_SIM_STEP_MS`. */
export function textToImage(text: string, steps = 3, seed = 1): Record<string, { class_type: string; inputs: Record<string, unknown> }> {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    "6": { class_type: "CLIPTextEncode", inputs: { text, clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
    "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
    "3": { class_type: "KSampler", inputs: { seed, steps, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] } },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: "test", images: ["8", 0] } },
  };
}

/** Queues a prompt on ComfyUI at `url` and returns its id. */
export async function queuePrompt(url: string, graph: object): Promise<string> {
  const promptId = randomUUID();
  const response = await fetch(`${url}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: graph, prompt_id: promptId, client_id: "test", extra_data: { extra_pnginfo: { workflow: { note: "test" } } } }),
  });
  if (!response.ok) {
    throw new Error(`POST /prompt answered ${response.status}: ${await response.text()}`);
  }
  return promptId;
}
