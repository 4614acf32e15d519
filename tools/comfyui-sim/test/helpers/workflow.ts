/** The text-to-image prompt the checklist uses, and small HTTP helpers around it. */

export type Prompt = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

export interface Txt2ImgOptions {
  ckpt?: string;
  seed?: number;
  steps?: number;
  text?: string;
  width?: number;
  height?: number;
  prefix?: string;
}

export const DEFAULT_CKPT = "v1-5-pruned-emaonly.safetensors";

export function txt2img(options: Txt2ImgOptions = {}): Prompt {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: options.ckpt ?? DEFAULT_CKPT } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: options.text ?? "a cat", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
    "5": { class_type: "EmptyLatentImage", inputs: { width: options.width ?? 64, height: options.height ?? 64, batch_size: 1 } },
    "3": {
      class_type: "KSampler",
      inputs: { seed: options.seed ?? 42, steps: options.steps ?? 3, cfg: 8, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: options.prefix ?? "ComfyUI", images: ["8", 0] } },
  };
}

/** Picks a checkpoint the server has: the placeholder on the simulator, the first file on a real server. */
export async function firstCheckpoint(url: string): Promise<string> {
  const response = await fetch(`${url}/object_info/CheckpointLoaderSimple`);
  const info = (await response.json()) as { CheckpointLoaderSimple?: { input: { required: { ckpt_name: [string[]] } } } };
  return info.CheckpointLoaderSimple?.input.required.ckpt_name[0][0] ?? DEFAULT_CKPT;
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
  raw: string;
}

export async function postJson(url: string, path: string, body: unknown): Promise<PostResult> {
  const response = await fetch(`${url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const raw = await response.text();
  return { status: response.status, body: raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>), raw };
}

export async function getJson<T = Record<string, unknown>>(url: string, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls `/history/{id}` until the entry exists. */
export async function waitForHistory(url: string, promptId: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { body } = await getJson(url, `/history/${promptId}`);
    const entry = body[promptId];
    if (entry !== undefined) {
      return entry as Record<string, unknown>;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`history entry for ${promptId} did not appear within ${timeoutMs} ms`);
}

/** Polls `/queue` until nothing runs or waits. */
export async function waitForIdle(url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { body } = await getJson<{ queue_running: unknown[]; queue_pending: unknown[] }>(url, "/queue");
    if (body.queue_running.length === 0 && body.queue_pending.length === 0) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`queue did not empty within ${timeoutMs} ms`);
}
