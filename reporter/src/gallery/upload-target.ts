import { copyFile, link, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

import { FOLDER_DEFAULTS, isModelFile } from "../models/folders.js";
import { matchesExtension, readHead, sniff } from "../downloads/content-check.js";
import { kindOf } from "./kinds.js";
import { matchesMediaSignature } from "./media-signature.js";
import { checkRelativePath } from "./paths.js";

/** Where a finished upload goes: ComfyUI's input folder, or a model folder by its ComfyUI key. */
export type UploadTarget = { kind: "input"; name: string } | { kind: "model"; folder: string; name: string };

/** An upload the reporter refuses; `status` is the HTTP status the tus client gets. */
export class UploadRejected extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "UploadRejected";
  }
}

/** Model magic bytes the upload accepts; `unknown` only for ONNX, whose protobuf has no magic. */
const MODEL_KINDS = new Set(["safetensors", "gguf", "zip", "pickle"]);

/** Reads and checks the tus `Upload-Metadata` fields `target`, `folder` and `filename`. */
export function uploadTarget(metadata: Record<string, string | null | undefined>): UploadTarget {
  const name = metadata.filename ?? "";
  if (name === "" || name.includes("/") || name.startsWith(".")) {
    throw new UploadRejected(400, `filename "${name.slice(0, 200)}" must be a plain file name without folders or a leading dot`);
  }
  try {
    checkRelativePath(name);
  } catch (error) {
    throw new UploadRejected(400, error instanceof Error ? error.message : String(error));
  }

  if (metadata.target === "input") {
    if (kindOf(name) === "other") {
      throw new UploadRejected(415, `${name} is not an image or video; the input folder takes images (.png, .jpg, .webp, …) and videos (.mp4, .webm, …)`);
    }
    return { kind: "input", name };
  }
  if (metadata.target === "model") {
    const folder = metadata.folder ?? "";
    if (!Object.hasOwn(FOLDER_DEFAULTS, folder)) {
      throw new UploadRejected(400, `folder "${folder.slice(0, 100)}" is not a ComfyUI model folder; use one of ${Object.keys(FOLDER_DEFAULTS).join(", ")}`);
    }
    if (!isModelFile(name)) {
      throw new UploadRejected(415, `${name} does not have a model file extension (.safetensors, .gguf, .ckpt, .pt, .pth, .bin, .onnx, …)`);
    }
    return { kind: "model", folder, name };
  }
  throw new UploadRejected(400, `target "${String(metadata.target).slice(0, 50)}" is invalid; use input or model`);
}

/**
 * Status of an upload whose name is taken. Not 409: tus clients retry a 409 (tus-js-client
 * does, with the upload page's delays of 0, 3, 10 and 30 s), and each retry
 * creates the upload again and resends the whole file before the same refusal.
 */
const NAME_TAKEN_STATUS = 403;

function nameTaken(finalPath: string): UploadRejected {
  return new UploadRejected(NAME_TAKEN_STATUS, `${finalPath.split("/").pop() ?? ""} already exists in the target folder; rename the file or delete the old one, then upload again`);
}

/** Rejects an upload whose final name is taken, before any byte is sent. `commitUpload` checks again, for two uploads of one name. */
export async function checkTargetFree(target: UploadTarget, dirs: { inputDir: string; modelsDir: string }): Promise<void> {
  const finalPath = targetPath(target, dirs);
  const exists = await stat(finalPath).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") {
        return false;
      }
      throw error;
    },
  );
  if (exists) {
    throw nameTaken(finalPath);
  }
}

/** Returns the absolute final path of an upload. */
export function targetPath(target: UploadTarget, dirs: { inputDir: string; modelsDir: string }): string {
  if (target.kind === "input") {
    return join(dirs.inputDir, target.name);
  }
  const subdir = FOLDER_DEFAULTS[target.folder]?.[0] ?? target.folder;
  return join(dirs.modelsDir, subdir, target.name);
}

/**
 * Checks a finished upload's first bytes against what its name claims: a model must start
 * with safetensors, GGUF, zip or pickle magic that matches its extension, an image or video
 * with its format's signature, and nothing may be an HTML or JSON page.
 */
export async function checkUploadedContent(target: UploadTarget, file: string): Promise<void> {
  const { size } = await stat(file);
  const head = await readHead(file);
  const kind = sniff(head, size);
  if (kind === "html" || kind === "json") {
    throw new UploadRejected(422, `${target.name} holds ${kind.toUpperCase()} text, not ${target.kind === "model" ? "model weights" : "an image or video"}; it was discarded`);
  }
  if (target.kind === "input") {
    if (!matchesMediaSignature(target.name, head)) {
      throw new UploadRejected(422, `${target.name} does not start with a valid header for its extension, so it was discarded; upload the original file or give it its real extension`);
    }
    return;
  }
  const onnx = target.name.toLowerCase().endsWith(".onnx") && kind === "unknown";
  if (!(MODEL_KINDS.has(kind) || onnx) || !matchesExtension(target.name, kind)) {
    throw new UploadRejected(422, `${target.name} does not start with a valid header for its extension (found: ${kind}); it was discarded`);
  }
}

/**
 * Moves a checked upload to its final name without ever replacing an existing file: a
 * hard link fails on an existing name. Across filesystems the bytes are first copied to
 * a hidden name beside the target, so the final name still appears in one step.
 */
export async function commitUpload(source: string, finalPath: string): Promise<void> {
  let staged = source;
  try {
    await link(staged, finalPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      throw nameTaken(finalPath);
    }
    if (code !== "EXDEV") {
      throw error;
    }
    staged = join(dirname(finalPath), `.${finalPath.split("/").pop() ?? "upload"}.${process.pid}.partial`);
    await copyFile(source, staged);
    try {
      await link(staged, finalPath);
    } catch (linkError) {
      await rm(staged, { force: true });
      if ((linkError as NodeJS.ErrnoException).code === "EEXIST") {
        throw nameTaken(finalPath);
      }
      throw linkError;
    }
    await unlink(staged);
  }
}
