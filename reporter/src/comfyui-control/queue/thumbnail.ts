/** A small preview of one ComfyUI file through /view, capped so it fits in one command result. */
import { ComfyCarryError, MAX_THUMBNAIL_BYTES } from "@comfycarry/shared";

import { fetchView } from "./comfy-routes.js";

export interface ViewTarget {
  filename: string;
  subfolder: string;
  type: "output" | "input" | "temp";
}

export interface Thumbnail {
  content_type: string;
  data_base64: string;
  bytes: number;
}

/** Checked again here, beside the shared schema, because this is what reaches ComfyUI's file system. */
function checkTarget(target: ViewTarget): void {
  const { filename, subfolder, type } = target;
  if (filename === "" || filename.includes("..") || /[/\\]/.test(filename)) {
    throw new ComfyCarryError("invalid_arguments", `Refused file name ${JSON.stringify(filename)}: give a bare file name without '/', '\\' or '..'.`, { filename });
  }
  if (subfolder.startsWith("/") || subfolder.includes("..") || subfolder.includes("\\")) {
    throw new ComfyCarryError("invalid_arguments", `Refused subfolder ${JSON.stringify(subfolder)}: give a relative folder without a leading '/' or '..'.`, { subfolder });
  }
  if (!["output", "input", "temp"].includes(type)) {
    throw new ComfyCarryError("invalid_arguments", `Refused type ${JSON.stringify(type)}: use output, input or temp.`, { type });
  }
}

/** Reads at most `cap` bytes; a longer body is cancelled and refused. */
async function readCapped(response: Response, cap: number, filename: string): Promise<Buffer> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > cap) {
    await response.body?.cancel();
    throw new ComfyCarryError("payload_too_large", `The preview of ${filename} is ${declared} bytes, over the ${cap}-byte thumbnail limit.`, { filename, bytes: declared, limit: cap });
  }

  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.byteLength;
    if (total > cap) {
      throw new ComfyCarryError("payload_too_large", `The preview of ${filename} is over the ${cap}-byte thumbnail limit.`, { filename, limit: cap });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

async function view(baseUrl: string, target: ViewTarget, preview: boolean, signal?: AbortSignal): Promise<Response> {
  const query = new URLSearchParams({ filename: target.filename, subfolder: target.subfolder, type: target.type });
  if (preview) {
    query.set("preview", "webp;80");
  }
  return fetchView(baseUrl, query, signal);
}

export async function thumbnail(baseUrl: string, target: ViewTarget, cap = MAX_THUMBNAIL_BYTES, signal?: AbortSignal): Promise<Thumbnail> {
  checkTarget(target);

  // A re-encoded preview is smaller; files ComfyUI cannot re-encode fall back to the plain file.
  let response = await view(baseUrl, target, true, signal);
  if (!response.ok && response.status !== 404) {
    await response.arrayBuffer().catch(() => undefined);
    response = await view(baseUrl, target, false, signal);
  }
  if (response.status === 404) {
    await response.arrayBuffer().catch(() => undefined);
    throw new ComfyCarryError("not_found", `ComfyUI has no ${target.type} file ${target.subfolder === "" ? "" : `${target.subfolder}/`}${target.filename}.`, { filename: target.filename });
  }
  if (!response.ok) {
    await response.arrayBuffer().catch(() => undefined);
    throw new ComfyCarryError("command_failed", `ComfyUI refused /view for ${target.filename} with HTTP ${response.status}.`, { filename: target.filename, status: response.status });
  }

  const contentType = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
  if (!contentType.startsWith("image/")) {
    await response.body?.cancel();
    throw new ComfyCarryError("command_failed", `${target.filename} is ${contentType === "" ? "of unknown type" : contentType}, not an image, so it has no thumbnail.`, { filename: target.filename });
  }
  const body = await readCapped(response, cap, target.filename);
  return { content_type: contentType, data_base64: body.toString("base64"), bytes: body.byteLength };
}
