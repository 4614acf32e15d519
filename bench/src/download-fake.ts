import { FakeCivitai, SyntheticFile } from "@comfycarry/fake-model-hosts";
import type { LoggedRequest } from "@comfycarry/fake-model-hosts";

export const BENCH_TOKEN = "bench-civitai-key-0123456789";
const VERSION_ID = 9100;

/** A fake CivitAI serving one generated checkpoint through its signed store, capped per connection. */
export interface BenchHost {
  civitai: FakeCivitai;
  file: SyntheticFile;
  /** The CivitAI page link a user would paste. */
  link: string;
  close(): Promise<void>;
}

export async function startBenchHost(size: number, bytesPerSecond: number): Promise<BenchHost> {
  const file = new SyntheticFile({ size, seed: `bench-download-${size}`, format: "safetensors" });
  const civitai = new FakeCivitai({
    models: [
      {
        id: 91,
        name: "Bench Checkpoint",
        type: "Checkpoint",
        versions: [{ id: VERSION_ID, name: "v1", baseModel: "SDXL 1.0", files: [{ id: 910001, name: "bench_ckpt.safetensors", type: "Model", format: "SafeTensor", primary: true, file }] }],
      },
    ],
    tokens: [BENCH_TOKEN],
    bytesPerSecond,
  });
  await civitai.start();

  // The catalog lists the file's hash; computing it now keeps it out of the timed runs.
  await file.sha256();
  return { civitai, file, link: `${civitai.origin}/models/91?modelVersionId=${VERSION_ID}`, close: () => civitai.close() };
}

/**
 * File bytes the store sent (GET bodies), which is what a metered host would bill. The
 * fake's log can hold a response cut by a kill twice (once on close, once more after), so
 * entries with the same start, URL and range count once, with their largest byte count.
 */
export function servedBytes(requests: readonly LoggedRequest[]): number {
  const byResponse = new Map<string, number>();
  for (const request of requests) {
    if (request.method !== "GET") {
      continue;
    }
    const key = `${request.startedAt} ${request.url} ${String(request.headers.range)}`;
    byResponse.set(key, Math.max(byResponse.get(key) ?? 0, request.bodyBytes));
  }
  return [...byResponse.values()].reduce((sum, bytes) => sum + bytes, 0);
}

/**
 * Seconds from the first file request to the last response end, as the store saw them.
 * This leaves out link resolution and the engine's final hash check, which cost the same
 * for one and for many connections and would blur the comparison.
 */
export function transferSeconds(requests: readonly LoggedRequest[]): number {
  const bodies = requests.filter((request) => request.method === "GET" && request.bodyBytes > 0);
  if (bodies.length === 0) {
    return 0;
  }
  const first = Math.min(...bodies.map((request) => request.startedAt));
  const last = Math.max(...bodies.map((request) => request.at));
  return (last - first) / 1000;
}
