import { z } from "zod";

import { describeFailure } from "../rclone/classify.js";
import type { SyncFailure } from "../rclone/classify.js";
import { runRclone } from "../rclone/runner.js";
import type { RcloneEnvironment } from "../rclone/runner.js";

/** Listing and probing the remotes of rclone.conf. */

/** A remote name as rclone accepts it in config sections. */
export const remoteNameSchema = z
  .string()
  .regex(/^[\w.][\w.\- ]{0,63}$/u, "a remote name has letters, digits, _ . - or spaces and is at most 64 characters");

export interface RemoteInfo {
  name: string;
  /** Backend type, e.g. `s3`, `drive`, `webdav`. */
  type: string;
}

export interface RemoteTestResult {
  ok: boolean;
  remote: string;
  durationMs: number;
  /** Entries at the remote's root, when the listing worked. */
  entries: number | null;
  failure: SyncFailure | null;
}

/** Time rclone's modification-time precision takes when a backend has none (100 years in ns). */
const MODTIME_NOT_SUPPORTED_NS = 3_153_600_000_000_000_000;

const featuresSchema = z.object({
  Precision: z.number(),
  Hashes: z.array(z.string()).nullable().catch([]),
  Features: z.record(z.string(), z.unknown()).catch({}),
});

export interface RemoteFeatures {
  /** Whether the remote stores modification times, which `rclone bisync` needs. */
  keepsModTime: boolean;
  hashes: string[];
}

/** Source of the remote list and of a remote's features for rule validation. */
export interface RemoteInfoSource {
  listRemotes(): Promise<RemoteInfo[]>;
  /** The remote's features, or null when it cannot be reached. */
  remoteFeatures(remote: string): Promise<RemoteFeatures | null>;
}

/** Parses `rclone listremotes --long` (`name:   type` per line; 1.60 and current agree). */
export function parseListRemotes(stdout: string): RemoteInfo[] {
  const remotes: RemoteInfo[] = [];
  for (const line of stdout.split("\n")) {
    const match = /^(.+?):\s+(\S+)\s*$/.exec(line);
    if (match !== null) {
      remotes.push({ name: match[1] ?? "", type: match[2] ?? "" });
    }
  }
  return remotes;
}

/** Lists the remotes rclone sees, with their types. */
export async function listRemotes(environment: RcloneEnvironment): Promise<RemoteInfo[]> {
  const run = await runRclone(environment, ["listremotes", "--long"], { timeoutMs: 15_000 });
  if (!run.ok) {
    throw new Error(`rclone listremotes failed: ${run.failure?.message ?? "unknown error"}`);
  }
  return parseListRemotes(run.stdout);
}

/**
 * Tests a remote by listing its root within `timeoutMs`. rclone's own retries are cut
 * to one attempt so a dead remote fails fast and is told apart from a slow one.
 */
export async function testRemote(environment: RcloneEnvironment, remote: string, timeoutMs = 15_000): Promise<RemoteTestResult> {
  const seconds = `${Math.max(1, Math.floor(timeoutMs / 1000))}s`;
  const run = await runRclone(
    environment,
    ["lsjson", `${remote}:`, "--max-depth", "1", "--retries", "1", "--low-level-retries", "1", "--contimeout", seconds, "--timeout", seconds],
    { timeoutMs, remoteLabel: remote },
  );

  let entries: number | null = null;
  if (run.ok) {
    const parsed = z.array(z.unknown()).safeParse(safeJson(run.stdout));
    entries = parsed.success ? parsed.data.length : null;
  }
  const failure = run.ok ? null : (run.failure ?? describeFailure("transfer_failed", remote, null));
  return { ok: run.ok, remote, durationMs: run.durationMs, entries, failure };
}

/** Reads a remote's features with `rclone backend features`; null when the remote cannot be reached. */
export async function remoteFeatures(environment: RcloneEnvironment, remote: string, timeoutMs = 15_000): Promise<RemoteFeatures | null> {
  const run = await runRclone(environment, ["backend", "features", `${remote}:`], { timeoutMs, remoteLabel: remote });
  if (!run.ok) {
    return null;
  }
  return parseFeatures(safeJson(run.stdout));
}

/** Parses the JSON that `rclone backend features` prints and rc `operations/fsinfo` returns, or returns null when it does not fit. */
export function parseFeatures(value: unknown): RemoteFeatures | null {
  const parsed = featuresSchema.safeParse(value);
  if (!parsed.success) {
    return null;
  }
  return { keepsModTime: parsed.data.Precision < MODTIME_NOT_SUPPORTED_NS, hashes: parsed.data.Hashes ?? [] };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
