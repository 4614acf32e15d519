import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";

import type { Logger } from "../log/logger.js";
import { FOLDER_ALIASES, NON_MODEL_KEYS } from "./folders.js";
import type { ModelRoot } from "./folders.js";

/**
 * Reads one extra_model_paths.yaml the way ComfyUI does: every top-level section maps folder
 * keys to one path or a block of paths (one per line), relative to `base_path` or, without
 * it, to the file's folder. `~` and `$VARS` are expanded; `clip` and `unet` map to their
 * current names. A missing file yields no roots; a malformed one is logged and skipped.
 */
export async function readExtraModelPaths(file: string, log: Logger, env: Record<string, string | undefined> = process.env): Promise<ModelRoot[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }

  // yaml is loaded only when the file exists, because most containers have none and the
  // parser is among the largest modules in the reporter's bundle.
  const { parse } = await import("yaml");
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    log.warn({ file, err: error }, "extra_model_paths.yaml is not valid YAML; its folders are ignored");
    return [];
  }
  if (!isRecord(document)) {
    return [];
  }

  const roots: ModelRoot[] = [];
  for (const [section, body] of Object.entries(document)) {
    if (!isRecord(body)) {
      continue;
    }
    const base = typeof body.base_path === "string" ? resolve(dirname(file), expand(body.base_path, env)) : dirname(file);
    for (const [key, value] of Object.entries(body)) {
      if (NON_MODEL_KEYS.has(key) || typeof value !== "string") {
        continue;
      }
      const folder = FOLDER_ALIASES[key] ?? key;
      for (const line of value.split("\n")) {
        const path = expand(line.trim(), env);
        if (path !== "") {
          roots.push({ folder, dir: isAbsolute(path) ? resolve(path) : resolve(base, path), source: section });
        }
      }
    }
  }
  return roots;
}

/** Expands a leading `~` and `$VAR` / `${VAR}` as Python's expanduser and expandvars do; unknown variables stay as written. */
function expand(path: string, env: Record<string, string | undefined>): string {
  const home = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  return home.replace(/\$(\w+)|\$\{(\w+)\}/g, (match, plain: string | undefined, braced: string | undefined) => env[plain ?? braced ?? ""] ?? match);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
