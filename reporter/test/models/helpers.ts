import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import type { ProtocolEvent } from "@comfycarry/shared";

import { createRootLogger } from "../../src/log/logger.js";
import { ModelLibrary } from "../../src/models/library.js";
import type { ModelLibraryOptions } from "../../src/models/library.js";

/** A temp folder with `ComfyUI/models`, `state` and `outside` (a place symlinks must not reach). */
export async function makeLibraryDirs(): Promise<{ root: string; comfyui: string; models: string; state: string; outside: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "cc-models-"));
  const comfyui = join(root, "ComfyUI");
  const models = join(comfyui, "models");
  const outside = join(root, "outside");
  await mkdir(models, { recursive: true });
  await mkdir(outside);
  return { root, comfyui, models, state: join(root, "state"), outside, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Writes a file (and its folders) with the given content. */
export async function writeModel(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

export const testLogger = createRootLogger({ level: process.env.COMFYCARRY_TEST_LOG ?? "silent" });

/** Opens a library without the watcher or CivitAI unless asked; events land in `events`. */
export async function openLibrary(
  dirs: { comfyui: string; state: string },
  options: Partial<ModelLibraryOptions> = {},
): Promise<{ library: ModelLibrary; events: ProtocolEvent[] }> {
  const events: ProtocolEvent[] = [];
  const library = await ModelLibrary.open({
    comfyuiDir: dirs.comfyui,
    extraPathFiles: [],
    stateDir: dirs.state,
    lookup: null,
    log: testLogger,
    emit: (event) => events.push(event),
    watch: false,
    lookupIntervalMs: 0,
    ...options,
  });
  return { library, events };
}

/** Polls `check` every 50 ms until it returns true, or throws naming `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
