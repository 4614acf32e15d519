import { GALLERY_MAX_EMBEDDED_JSON_CHARS } from "@comfycarry/shared";
import type { CommandResultData, GalleryKind } from "@comfycarry/shared";

import { generationFromPrompt } from "./generation.js";
import type { ConfinedFile } from "./paths.js";
import { loadSharp } from "./sharp.js";

type MetadataResult = CommandResultData<"gallery.metadata">;

/**
 * Reads dimensions and ComfyUI's embedded `prompt` and `workflow` text. ComfyUI's
 * SaveImage writes them as PNG text chunks (through Pillow's PngInfo); sharp returns
 * PNG text chunks as `comments`. Other formats report dimensions only.
 */
export async function readMetadata(file: ConfinedFile, kind: GalleryKind): Promise<MetadataResult> {
  const base: MetadataResult = {
    path: file.relative,
    kind,
    size: file.size,
    width: null,
    height: null,
    generation: null,
    prompt_json: null,
    workflow_json: null,
    embedded_truncated: false,
  };
  if (kind !== "image") {
    return base;
  }

  // NOTE: WebP and video outputs keep ComfyUI's data in EXIF or container tags, which this does not read yet.
  const sharp = await loadSharp();
  const info = await sharp(file.real).metadata().catch(() => null);
  if (info === null) {
    return base;
  }
  const texts = new Map((info.comments ?? []).map((comment) => [comment.keyword, comment.text]));
  const prompt = texts.get("prompt") ?? null;
  const workflow = texts.get("workflow") ?? null;
  const fits = (text: string | null): string | null => (text !== null && text.length <= GALLERY_MAX_EMBEDDED_JSON_CHARS ? text : null);

  return {
    ...base,
    width: info.width ?? null,
    height: info.height ?? null,
    generation: prompt === null ? null : generationFromPrompt(prompt),
    prompt_json: fits(prompt),
    workflow_json: fits(workflow),
    embedded_truncated: fits(prompt) !== prompt || fits(workflow) !== workflow,
  };
}
