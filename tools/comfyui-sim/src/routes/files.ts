/** File routes: `/view`, `/upload/image`, `/upload/mask`, `/view_metadata` and `/internal/files`. */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

import { PNG } from "pngjs";

import { pngChannel, pngToJpeg } from "../exec/images.js";
import { parsePyJson } from "../py/parse.js";
import { PyError, dict, isDict } from "../py/value.js";
import type { AppContext, RouteDef } from "../server/context.js";
import type { SimRequest } from "../server/request.js";
import { bytes, empty, json, type SimResponse } from "../server/respond.js";
import { guessContentType } from "./mime.js";

function inside(base: string, candidate: string): boolean {
  const resolved = path.resolve(candidate);
  return resolved === base || resolved.startsWith(base + path.sep);
}

function fileHeaders(file: string, name: string): Record<string, string> {
  const stat = statSync(file);
  return {
    "Content-Disposition": `filename="${name}"`,
    "Last-Modified": stat.mtime.toUTCString(),
    ETag: `"${Math.floor(stat.mtimeMs * 1e6).toString(16)}-${stat.size.toString(16)}"`,
    "Accept-Ranges": "bytes",
  };
}

function view(request: SimRequest, _params: Record<string, string>, app: AppContext): SimResponse {
  const requested = request.query.get("filename");
  if (requested === null) {
    return empty(404);
  }
  const annotated = app.folders.annotatedFilepath(requested);
  const filename = annotated.name;
  if (filename === "") {
    return empty(400);
  }
  if (filename.startsWith("/") || filename.includes("..")) {
    return empty(400);
  }
  let outputDir = annotated.dir ?? app.folders.directoryByType(request.query.get("type") ?? "output");
  if (outputDir === null) {
    return empty(400);
  }
  const subfolder = request.query.get("subfolder");
  if (subfolder !== null) {
    const full = path.join(outputDir, subfolder);
    if (!inside(outputDir, full)) {
      return empty(403);
    }
    outputDir = full;
  }
  const baseName = path.basename(filename);
  const file = path.join(outputDir, baseName);
  if (!existsSync(file) || !statSync(file).isFile()) {
    return empty(404);
  }

  const content = readFileSync(file);
  const preview = request.query.get("preview");
  if (preview !== null) {
    // NOTE: no WebP encoder is bundled, so `preview=webp;Q` returns JPEG as well.
    const quality = Number.parseInt(preview.split(";")[1] ?? "90", 10);
    return bytes(pngToJpeg(content, Number.isInteger(quality) ? quality : 90), "image/jpeg", { "Content-Disposition": `filename="${baseName}"` });
  }
  const channel = request.query.get("channel") ?? "rgba";
  if (channel === "rgb" || channel === "a") {
    return bytes(pngChannel(content, channel), "image/png", { "Content-Disposition": `filename="${baseName}"` });
  }
  return bytes(content, guessContentType(baseName), fileHeaders(file, baseName));
}

function hashOf(data: Buffer, algorithm: string): string {
  return createHash(algorithm).update(data).digest("hex");
}

type SaveFunction = (data: Buffer, form: FormData, filepath: string) => SimResponse | null;

/** ComfyUI's `image_upload`: name clashes resolved by content hash, `name (1).ext` for new bytes. */
async function imageUpload(request: SimRequest, app: AppContext, save: SaveFunction | null): Promise<SimResponse> {
  const form = await request.formData();
  const image = form.get("image");
  const overwrite = form.get("overwrite");
  const typeField = form.get("type");
  const uploadType = typeof typeField === "string" ? typeField : "input";
  const uploadDir = app.folders.directoryByType(uploadType);
  if (uploadDir === null) {
    throw new PyError("UnboundLocalError", "cannot access local variable 'type_dir' where it is not associated with a value");
  }
  if (image === null) {
    return empty(400);
  }
  if (typeof image === "string") {
    throw new PyError("AttributeError", "'str' object has no attribute 'file'");
  }
  let filename = image.name;
  if (filename === "") {
    return empty(400);
  }
  const subfolderField = form.get("subfolder");
  const subfolder = typeof subfolderField === "string" ? subfolderField : "";
  const folder = path.join(uploadDir, path.normalize(subfolder));
  let filepath = path.resolve(folder, filename);
  if (!inside(uploadDir, filepath)) {
    return empty(400);
  }
  mkdirSync(folder, { recursive: true });

  const data = Buffer.from(await image.arrayBuffer());
  const extension = path.extname(filename);
  const stem = filename.slice(0, filename.length - extension.length);
  let duplicate = false;
  if (overwrite !== "true" && overwrite !== "1") {
    const uploadedHash = hashOf(data, app.config.hashFunction);
    for (let counter = 1; existsSync(filepath); counter += 1) {
      if (hashOf(readFileSync(filepath), app.config.hashFunction) === uploadedHash) {
        duplicate = true;
        break;
      }
      filename = `${stem} (${counter})${extension}`;
      filepath = path.join(folder, filename);
    }
  }
  if (!duplicate) {
    const early = save === null ? null : save(data, form, filepath);
    if (early !== null) {
      return early;
    }
    if (save === null) {
      writeFileSync(filepath, data);
    }
  }
  return json(dict([["name", filename], ["subfolder", subfolder], ["type", uploadType]]));
}

/** Copies the uploaded mask's alpha channel onto the referenced image and saves the result. */
function maskSaver(app: AppContext): SaveFunction {
  return (data, form, filepath) => {
    const refText = form.get("original_ref");
    const ref = parsePyJson(typeof refText === "string" ? refText : "");
    if (!isDict(ref)) {
      throw new PyError("TypeError", "string indices must be integers");
    }
    const annotated = app.folders.annotatedFilepath(String(ref.get("filename") ?? ""));
    if (annotated.name === "" || annotated.name.startsWith("/") || annotated.name.includes("..")) {
      return empty(400);
    }
    let outputDir = annotated.dir ?? app.folders.directoryByType(String(ref.get("type") ?? "output"));
    if (outputDir === null) {
      return empty(400);
    }
    const subfolder = ref.get("subfolder");
    if (typeof subfolder === "string" && subfolder !== "") {
      const full = path.join(outputDir, subfolder);
      if (!inside(outputDir, full)) {
        return empty(403);
      }
      outputDir = full;
    }
    const original = path.join(outputDir, annotated.name);
    if (existsSync(original)) {
      const base = PNG.sync.read(readFileSync(original));
      const mask = PNG.sync.read(data);
      if (base.width !== mask.width || base.height !== mask.height) {
        throw new PyError("ValueError", "images do not match");
      }
      for (let offset = 3; offset < base.data.length; offset += 4) {
        base.data[offset] = mask.data[offset] ?? 255;
      }
      writeFileSync(filepath, PNG.sync.write(base));
    }
    return null;
  };
}

function internalFiles(_request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const type = params.directory_type ?? "";
  if (!["output", "input", "temp"].includes(type)) {
    return json(dict([["error", "Invalid directory type"]]), 400);
  }
  const dir = app.folders.directoryByType(type) ?? "";
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => statSync(path.join(dir, name)).isFile());
  } catch {
    names = [];
  }
  names.sort((left, right) => statSync(path.join(dir, right)).mtimeMs - statSync(path.join(dir, left)).mtimeMs);
  return json(names);
}

/** Returns a safetensors file's `__metadata__` object, or 404 when there is none. */
function viewMetadata(request: SimRequest, params: Record<string, string>, app: AppContext): SimResponse {
  const name = request.query.get("filename");
  if (name === null || !name.endsWith(".safetensors")) {
    return empty(404);
  }
  const file = app.folders.modelPath(params.folder_name ?? "", name);
  if (file === null) {
    return empty(404);
  }
  try {
    const content = readFileSync(file);
    const length = Number(content.readBigUInt64LE(0));
    const header = parsePyJson(content.subarray(8, 8 + length).toString("utf8"));
    const metadata = isDict(header) ? header.get("__metadata__") : undefined;
    return metadata === undefined ? empty(404) : json(metadata);
  } catch {
    return empty(404);
  }
}

export const fileRoutes: RouteDef[] = [
  { method: "GET", path: "/view", handler: view },
  { method: "POST", path: "/upload/image", handler: (request, _params, app) => imageUpload(request, app, null) },
  { method: "POST", path: "/upload/mask", handler: (request, _params, app) => imageUpload(request, app, maskSaver(app)) },
  { method: "GET", path: "/view_metadata/{folder_name}", handler: viewMetadata },
  { method: "GET", path: "/internal/files/{directory_type}", handler: internalFiles, internal: true },
];
