import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Writable } from "node:stream";

import { execa } from "execa";

import { createRootLogger } from "../../src/log/logger.js";
import type { Logger } from "../../src/log/logger.js";
import { SyncEngine } from "../../src/sync/index.js";
import type { SyncEngineEvents, SyncEngineOptions } from "../../src/sync/index.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";

/** Whether the soak mode (full file counts) is on. */
export const SOAK = process.env.COMFYCARRY_SOAK === "1";

/** Creates a logger that keeps its lines in memory, so tests can read them and assert no secret leaks. */
export function memoryLogger(): { log: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString("utf8"));
      done();
    },
  });
  return { log: createRootLogger({ level: "debug", destination: stream }), text: () => chunks.join("") };
}

export interface EngineFixture {
  engine: SyncEngine;
  workspace: string;
  stateDir: string;
  logText: () => string;
  close(): Promise<void>;
}

/** Starts an engine on a fresh workspace and state dir that uses the remotes' rclone.conf. */
export async function startEngine(remotes: RcloneRemotes, options: Partial<SyncEngineOptions> = {}, events: SyncEngineEvents = {}): Promise<EngineFixture> {
  const root = await mkdtemp(join(tmpdir(), "sync-engine-"));
  const workspace = join(root, "workspace");
  const stateDir = join(root, "state");
  await mkdir(workspace, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const { log, text } = memoryLogger();
  const engine = new SyncEngine({
    stateDir,
    workspaceDir: workspace,
    configPath: remotes.configPath,
    log,
    retry: { initialMs: 300, maxMs: 2_000, factor: 2 },
    stallMs: 30_000,
    ...options,
    events,
  });
  await engine.start();
  return {
    engine,
    workspace,
    stateDir,
    logText: text,
    async close() {
      await engine.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Names that break naive tools: CJK, emoji, spaces, and names near the 255-byte limit. */
export const AWKWARD_NAMES = [
  "中文文件名.txt",
  "emoji 🎨🖼️ picture.png",
  "spaces  in   name .json",
  `${"long-".repeat(46)}end.txt`,
  `${"长".repeat(80)}.txt`,
  "子目录/嵌套 folder/深层 😀.txt",
];

/** Writes a tree of awkward names plus `count` small files; returns the relative paths. */
export async function writeTree(dir: string, count: number): Promise<string[]> {
  const written: string[] = [];
  for (const [index, name] of AWKWARD_NAMES.entries()) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), `awkward ${index} ${name}\n`);
    written.push(name);
  }
  await mkdir(join(dir, "many"), { recursive: true });
  for (let i = 0; i < count; i += 1) {
    const name = `many/file-${String(i).padStart(4, "0")}.txt`;
    await writeFile(join(dir, name), `small file ${i}\n`);
    written.push(name);
  }
  return written;
}

/** Returns relative path → SHA-256 for every file under `dir`, skipping names that match `skip`. */
export async function hashTree(dir: string, skip?: RegExp): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: unknown) => {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") {
      return [];
    }
    throw error;
  });
  for (const entry of entries) {
    if (!entry.isFile()) {
      continue;
    }
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path);
    if (skip?.test(rel) === true) {
      continue;
    }
    hashes.set(rel, createHash("sha256").update(await readFile(path)).digest("hex"));
  }
  return hashes;
}

/** Polls `check` until it returns true, or throws after `timeoutMs` with an error naming `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Writes `content` to `target` (`remote:path`) with `rclone rcat`, as another machine would. */
export async function writeRemote(remotes: RcloneRemotes, target: string, content: string): Promise<void> {
  await execa("rclone", ["rcat", target], { input: content, env: remotes.env });
}
