import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BenchDirs {
  models: string;
  state: string;
  cleanup(): Promise<void>;
}

/** Creates a temp directory with a models root and an engine state dir, removed by `cleanup`. */
export async function makeBenchDirs(): Promise<BenchDirs> {
  const root = await mkdtemp(join(tmpdir(), "cc-bench-download-"));
  const models = join(root, "models");
  const state = join(root, "state");
  await mkdir(models);
  await mkdir(state);
  return { models, state, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Hashes the file on disk, so the bench checks the bytes itself instead of trusting the engine. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}
