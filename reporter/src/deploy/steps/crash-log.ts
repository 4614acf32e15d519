/** Finding the custom nodes whose import failed, from the lines ComfyUI prints while loading custom_nodes/. */
import { basename, dirname } from "node:path";

/** ComfyUI's line after an import traceback, and its import-times entry for the same pack. */
const CANNOT_IMPORT = /Cannot import (.+?) module for custom nodes:/;
const IMPORT_FAILED = /\(IMPORT FAILED\):\s*(.+?)\s*$/;

export interface FailedImport {
  name: string;
  /** The message after the exception type, or the import-times line when ComfyUI printed no message. */
  reason: string;
}

/** Returns the packs under `customNodesDir` that failed to import in `text`, each once, in log order. */
export function failedImports(text: string, customNodesDir: string): FailedImport[] {
  const found = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const cannot = CANNOT_IMPORT.exec(line);
    const failed = IMPORT_FAILED.exec(line);
    const path = cannot?.[1] ?? failed?.[1];
    if (path === undefined || dirname(path) !== customNodesDir) {
      continue;
    }
    const name = basename(path).replace(/\.py$/, "");
    if (cannot !== null) {
      found.set(name, line.slice(line.indexOf("custom nodes:") + "custom nodes:".length).trim() || "import failed");
    } else if (!found.has(name)) {
      found.set(name, "import failed (see the ComfyUI log)");
    }
  }
  return [...found].map(([name, reason]) => ({ name, reason }));
}
