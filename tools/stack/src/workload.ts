import { randomUUID } from "node:crypto";

/** A txt2img prompt for the simulator's core nodes, with a fresh seed each time so nothing is cached. */
export function txt2imgPrompt(seed: number, steps = 20): Record<string, { class_type: string; inputs: Record<string, unknown> }> {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    "5": { class_type: "EmptyLatentImage", inputs: { width: 512, height: 512, batch_size: 1 } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: "a watercolor fox in a misty forest", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "blurry", clip: ["4", 1] } },
    "3": {
      class_type: "KSampler",
      inputs: {
        seed,
        steps,
        cfg: 7,
        sampler_name: "euler",
        scheduler: "normal",
        denoise: 1,
        model: ["4", 0],
        positive: ["6", 0],
        negative: ["7", 0],
        latent_image: ["5", 0],
      },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: "ComfyCarry", images: ["8", 0] } },
  };
}

/** Queues one prompt on ComfyUI at `baseUrl` and returns its prompt id. */
export async function queuePrompt(baseUrl: string, options: { clientId?: string; seed?: number; steps?: number } = {}): Promise<string> {
  const body = {
    prompt: txt2imgPrompt(options.seed ?? Math.floor(Math.random() * 2 ** 31), options.steps),
    client_id: options.clientId ?? randomUUID().replaceAll("-", ""),
  };
  const response = await fetch(`${baseUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(`POST ${baseUrl}/prompt failed with HTTP ${response.status}: ${text.slice(0, 500)}`);
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || !("prompt_id" in parsed) || typeof parsed.prompt_id !== "string") {
    throw new Error(`POST ${baseUrl}/prompt answered without a prompt_id: ${text.slice(0, 500)}`);
  }
  return parsed.prompt_id;
}

/** Queues a sample prompt now and then every `intervalMs`, so the demo shows live progress; returns a stop function. */
export function startWorkload(baseUrl: string, intervalMs: number): () => void {
  const tick = (): void => {
    queuePrompt(baseUrl).catch((error: unknown) => {
      console.warn(`[comfycarry] sample prompt not queued: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  const first = setTimeout(tick, 3_000);
  const timer = setInterval(tick, intervalMs);
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
