import type { DownloadJob, DownloadPreview } from "@comfycarry/shared";

/** Returns a running download job; `patch` overrides fields. */
export function jobWith(patch: Partial<DownloadJob> = {}): DownloadJob {
  return {
    id: "job-1",
    position: 1,
    status: "active",
    source_kind: "civitai",
    url: "https://civitai.com/api/download/models/111",
    folder: "loras/SDXL 1.0",
    file_name: "inkwash_xl_v2.safetensors",
    total_bytes: 200 * 1024 * 1024,
    downloaded_bytes: 50 * 1024 * 1024,
    speed_bytes_per_s: 10 * 1024 * 1024,
    sha256: null,
    error: null,
    created_at: "2026-12-04T10:00:00.000Z",
    updated_at: "2026-12-04T10:00:05.000Z",
    finished_at: null,
    ...patch,
  };
}

/** A preview of a two-file CivitAI version. */
export function previewWith(patch: Partial<DownloadPreview> = {}): DownloadPreview {
  const file = (id: number, name: string, type: string, folder: string, primary: boolean) => ({
    id,
    name,
    type,
    size_bytes: 1024 * 1024,
    primary,
    sha256: null,
    format: "SafeTensor",
    fp: null,
    folder,
    download_url: `https://civitai.com/api/download/models/111?fileId=${id}`,
  });
  return {
    source_kind: "civitai",
    url: "https://civitai.com/api/download/models/111",
    file_name: "inkwash_xl_v2.safetensors",
    folder: "loras/SDXL 1.0",
    total_bytes: 1024 * 1024,
    sha256: "ab".repeat(32),
    free_bytes: 50 * 1024 ** 3,
    fits: true,
    duplicates: [],
    civitai_files: [file(1111, "inkwash_xl_v2.safetensors", "Model", "loras/SDXL 1.0", true), file(1112, "inkwash_vae.safetensors", "VAE", "vae", false)],
    civitai_file_id: 1111,
    ...patch,
  };
}

/** Returns a fetch stub that replies to each command with `answers[name]` and records the request bodies. */
export function commandFetch(answers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const bodies: { name: string; args: Record<string, unknown> }[] = [];
  const fetch = (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { name: string; args: Record<string, unknown> };
    bodies.push(body);
    const answer = answers[body.name];
    const payload = answer === undefined ? { command_id: "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10", ok: false, error: { code: "unknown_command", message: body.name } } : { command_id: "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10", ok: true, data: answer(body.args) };
    return Promise.resolve(new Response(JSON.stringify(payload), { status: 200, headers: { "content-type": "application/json" } }));
  };
  return { fetch, bodies };
}
