/** SaveImage and PreviewImage file naming: `<prefix>_<counter:05>_.png`, subfolders and date tokens. */
import { randomInt } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { pyJsonDumps } from "../py/format.js";
import { PyError, isDict, type PyDict, type PyValue } from "../py/value.js";
import { encodePng } from "./images.js";

export interface SaveRequest {
  baseDir: string;
  folderType: "output" | "temp";
  prefix: string;
  width: number;
  height: number;
  batch: number;
  seed: number;
  prompt: PyDict | null;
  extraPngInfo: PyValue | undefined;
  withMetadata: boolean;
}

function expandTokens(prefix: string, width: number, height: number): string {
  const now = new Date();
  const pad = (value: number): string => String(value).padStart(2, "0");
  return prefix
    .replaceAll("%year%", String(now.getFullYear()))
    .replaceAll("%month%", pad(now.getMonth() + 1))
    .replaceAll("%day%", pad(now.getDate()))
    .replaceAll("%hour%", pad(now.getHours()))
    .replaceAll("%minute%", pad(now.getMinutes()))
    .replaceAll("%second%", pad(now.getSeconds()))
    .replaceAll("%width%", String(width))
    .replaceAll("%height%", String(height));
}

/** Returns the next free counter: one past the highest `<name>_NNNNN` already in the folder. */
function nextCounter(folder: string, name: string): number {
  let highest = 0;
  let files: string[] = [];
  try {
    files = readdirSync(folder);
  } catch {
    return 1;
  }
  for (const file of files) {
    if (!file.startsWith(`${name}_`)) {
      continue;
    }
    const digits = Number.parseInt(file.slice(name.length + 1).split("_")[0] ?? "", 10);
    if (Number.isInteger(digits) && digits > highest) {
      highest = digits;
    }
  }
  return highest + 1;
}

/** Writes the batch and returns the UI `images` list. Throws `PyError` for a prefix that leaves the folder. */
export function saveImages(request: SaveRequest): PyDict[] {
  let prefix = expandTokens(request.prefix, request.width, request.height);
  if (request.folderType === "temp") {
    const letters = Array.from({ length: 5 }, () => String.fromCharCode(97 + randomInt(26))).join("");
    prefix = `${prefix}_temp_${letters}`;
  }
  const normalized = path.normalize(prefix);
  const subfolder = path.dirname(normalized) === "." ? "" : path.dirname(normalized);
  const name = path.basename(normalized);
  const folder = path.resolve(request.baseDir, subfolder);
  if (folder !== request.baseDir && !folder.startsWith(request.baseDir + path.sep)) {
    throw new PyError(
      "Exception",
      `**** ERROR: Saving image outside the output folder is not allowed.\n full_output_folder: ${folder}\n         output_dir: ${request.baseDir}`,
    );
  }
  mkdirSync(folder, { recursive: true });

  const texts: Array<[string, string]> = [];
  if (request.withMetadata) {
    if (request.prompt !== null) {
      texts.push(["prompt", pyJsonDumps(request.prompt)]);
    }
    if (isDict(request.extraPngInfo)) {
      for (const [key, value] of request.extraPngInfo) {
        texts.push([key, pyJsonDumps(value)]);
      }
    }
  }

  let counter = nextCounter(folder, name);
  const results: PyDict[] = [];
  for (let index = 0; index < request.batch; index += 1) {
    const fileName = `${name.replaceAll("%batch_num%", String(index))}_${String(counter).padStart(5, "0")}_.png`;
    writeFileSync(path.join(folder, fileName), encodePng(request.width, request.height, request.seed + index, texts));
    results.push(
      new Map<string, PyValue>([
        ["filename", fileName],
        ["subfolder", subfolder],
        ["type", request.folderType],
      ]),
    );
    counter += 1;
  }
  return results;
}
