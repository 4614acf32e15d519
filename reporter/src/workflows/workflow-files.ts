/** The user's workflow files in ComfyUI's `user/default/workflows` folder. */
import { mkdir, readFile, readdir, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";

/** The manifest file written next to the workflows; no `.json` ending, so ComfyUI's workflow list skips it. */
export const MANIFEST_FILE = ".comfycarry-manifest";

/** Files over this size are not read as workflows; the frontend's largest graphs stay far below it. */
export const MAX_WORKFLOW_BYTES = 8_000_000;

export interface WorkflowFile {
  /** Path relative to the workflows folder, `/`-separated. */
  path: string;
  size: number;
  modifiedAt: Date;
}

export class WorkflowFiles {
  constructor(readonly dir: string) {}

  /** Lists every `.json` file below the folder; a missing folder is an empty list. */
  async list(): Promise<WorkflowFile[]> {
    let entries;
    try {
      entries = await readdir(this.dir, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        return [];
      }
      throw error;
    }
    const files: WorkflowFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !entry.name.toLowerCase().endsWith(".json")) {
        continue;
      }
      const full = join(entry.parentPath, entry.name);
      const info = await stat(full);
      files.push({ path: relative(this.dir, full).split(sep).join("/"), size: info.size, modifiedAt: info.mtime });
    }
    return files.sort((left, right) => left.path.localeCompare(right.path));
  }

  /** Reads and decodes one workflow; the path was checked by the command schema. */
  async read(path: string): Promise<unknown> {
    const full = this.resolve(path);
    const info = await stat(full).catch(() => null);
    if (info === null) {
      throw new ComfyCarryError("not_found", `workflow ${path} not found in ${this.dir}`, { path });
    }
    if (info.size > MAX_WORKFLOW_BYTES) {
      throw new ComfyCarryError("payload_too_large", `workflow ${path} is ${info.size} bytes; the limit is ${MAX_WORKFLOW_BYTES}`, { path });
    }
    return JSON.parse(await readFile(full, "utf8"));
  }

  async write(path: string, content: string, overwrite: boolean): Promise<void> {
    const full = this.resolve(path);
    if (!overwrite && (await stat(full).catch(() => null)) !== null) {
      throw new ComfyCarryError("invalid_arguments", `workflow ${path} already exists; send overwrite: true to replace it`, { path });
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFileAtomic(full, content);
  }

  async writeManifest(text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(join(this.dir, MANIFEST_FILE), text);
  }

  /** Joins a relative path to the folder and rejects one that leaves it. */
  resolve(path: string): string {
    const full = join(this.dir, path);
    const inside = relative(this.dir, full);
    if (inside === "" || inside.startsWith("..") || inside.split(sep).includes("..")) {
      throw new ComfyCarryError("invalid_arguments", `workflow path ${JSON.stringify(path)} leaves the workflows folder`, { path });
    }
    return full;
  }
}
