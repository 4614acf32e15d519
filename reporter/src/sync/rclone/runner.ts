import { createInterface } from "node:readline";

import { execa } from "execa";

import type { Logger } from "../../log/logger.js";
import { classifyFailureCode, describeFailure } from "./classify.js";
import type { SyncFailure } from "./classify.js";
import { isErrorLine, parseRcloneLine } from "./json-log.js";
import type { RcloneLine, RcloneStats } from "./json-log.js";
import { progressFingerprint, progressFromStats } from "./progress.js";
import type { TransferProgress } from "./progress.js";

/**
 * Runs one rclone command with an argument array (never through a shell), streams its
 * JSON log line by line while it runs, and returns success and failure in one shape.
 * There is no fixed time limit: a run ends when rclone exits, when it is canceled, or
 * when the stall watchdog sees no progress for `stallMs`.
 */

/** Where rclone is and which config it reads. */
export interface RcloneEnvironment {
  binary: string;
  /** rclone.conf path, passed as RCLONE_CONFIG. */
  configPath: string;
  /** rclone's cache dir (bisync work files, sftp host keys); rclone's default when absent. */
  cacheDir?: string;
}

export interface RcloneRunOptions {
  /** Adds `--use-json-log --stats 1s --stats-log-level NOTICE -v`; off for listing commands. */
  progress?: boolean;
  onProgress?: (progress: TransferProgress) => void;
  onLine?: (line: RcloneLine) => void;
  /** Stop the run when nothing moved for this long, in ms; 0 turns the watchdog off. */
  stallMs?: number;
  /** Hard time limit in ms, for short probes such as testing a remote; none by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Remote name used in failure messages. */
  remoteLabel?: string;
  log?: Logger;
}

/** The outcome of one rclone run; a failure has the same fields as a success. */
export interface RcloneRun {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  canceled: boolean;
  stalled: boolean;
  timedOut: boolean;
  durationMs: number;
  stdout: string;
  /** Last stats object rclone printed, or null when it printed none. */
  stats: RcloneStats | null;
  /** Error-level log lines, sanitized, at most the last 20. */
  errorLines: string[];
  /** Last stderr lines of any level, sanitized, at most 20. */
  stderrTail: string[];
  /** Objects rclone logged as copied, moved or deleted. */
  objectsChanged: number;
  failure: SyncFailure | null;
  /** The original error, when rclone could not be started. */
  cause?: unknown;
}

const TAIL_LINES = 20;
const JSON_LOG_ARGS = ["--use-json-log", "--stats", "1s", "--stats-log-level", "NOTICE", "-v"];

/** Builds the environment rclone runs with: our config, no interactive prompts. */
export function rcloneEnv(environment: RcloneEnvironment): Record<string, string> {
  const env: Record<string, string> = { RCLONE_CONFIG: environment.configPath, RCLONE_ASK_PASSWORD: "false" };
  if (environment.cacheDir !== undefined) {
    env.RCLONE_CACHE_DIR = environment.cacheDir;
  }
  return env;
}

function pushTail(list: string[], line: string): void {
  list.push(line);
  if (list.length > TAIL_LINES) {
    list.shift();
  }
}

function lineText(line: RcloneLine): string {
  if (line.kind === "text") {
    return line.text;
  }
  if (line.kind === "log") {
    return line.object === null ? line.message : `${line.object}: ${line.message}`;
  }
  return `stats: ${line.stats.bytes}/${line.stats.totalBytes} bytes`;
}

const CHANGE_MESSAGE = /^(Copied|Moved|Deleted|Updated)/;

/** Runs rclone with `args` and returns when it exits. */
export async function runRclone(environment: RcloneEnvironment, args: readonly string[], options: RcloneRunOptions = {}): Promise<RcloneRun> {
  const started = Date.now();
  const fullArgs = options.progress === true ? [...args, ...JSON_LOG_ARGS] : [...args, "--use-json-log"];
  const subprocess = execa(environment.binary, fullArgs, {
    reject: false,
    env: rcloneEnv(environment),
    extendEnv: true,
    stdin: "ignore",
    buffer: { stdout: true, stderr: false },
    cancelSignal: options.signal,
    timeout: options.timeoutMs,
    forceKillAfterDelay: 5_000,
  });

  const errorLines: string[] = [];
  const stderrTail: string[] = [];
  let stats: RcloneStats | null = null;
  let objectsChanged = 0;
  let lastFingerprint = "";
  let lastMovedAt = Date.now();
  let stalled = false;

  // Read stderr as it arrives so progress reaches callers while rclone runs.
  const reading = new Promise<void>((resolve) => {
    if (subprocess.stderr === null) {
      resolve();
      return;
    }
    const reader = createInterface({ input: subprocess.stderr, crlfDelay: Infinity });
    reader.on("line", (raw) => {
      const line = parseRcloneLine(raw);
      if (line.kind === "stats") {
        stats = line.stats;
        const fingerprint = progressFingerprint(line.stats);
        if (fingerprint !== lastFingerprint) {
          lastFingerprint = fingerprint;
          lastMovedAt = Date.now();
        }
        options.onProgress?.(progressFromStats(line.stats));
      } else {
        lastMovedAt = Date.now();
        pushTail(stderrTail, lineText(line));
        if (isErrorLine(line)) {
          pushTail(errorLines, lineText(line));
        }
        if (line.kind === "log" && CHANGE_MESSAGE.test(line.message)) {
          objectsChanged += 1;
        }
      }
      options.onLine?.(line);
    });
    reader.on("close", () => resolve());
  });

  const stallMs = options.stallMs ?? 0;
  const watchdog =
    stallMs > 0
      ? setInterval(
          () => {
            if (Date.now() - lastMovedAt < stallMs) {
              return;
            }
            stalled = true;
            options.log?.warn({ stallMs, pid: subprocess.pid }, "rclone made no progress; stopping it");
            subprocess.kill("SIGTERM");
          },
          Math.max(100, Math.min(1_000, stallMs / 4)),
        )
      : undefined;

  const result = await subprocess;
  clearInterval(watchdog);
  await reading;

  const exitCode = result.exitCode ?? null;
  const canceled = result.isCanceled;
  const ok = exitCode === 0 && !result.failed;
  const spawnFailed = exitCode === null && result.signal === undefined && !canceled && !result.timedOut;
  const remote = options.remoteLabel ?? "remote";
  const lastError = errorLines.at(-1) ?? stderrTail.at(-1) ?? null;

  let failure: SyncFailure | null = null;
  if (spawnFailed) {
    failure = describeFailure("rclone_missing", remote, result.shortMessage ?? null);
  } else if (canceled) {
    failure = describeFailure("canceled", remote, null);
  } else if (stalled) {
    failure = describeFailure("stalled", remote, lastError);
  } else if (result.timedOut) {
    failure = describeFailure("timed_out", remote, lastError);
  } else if (!ok) {
    failure = describeFailure(classifyFailureCode([...errorLines, ...stderrTail], exitCode ?? undefined), remote, lastError);
  }

  return {
    ok,
    exitCode,
    signal: result.signal ?? null,
    canceled,
    stalled,
    timedOut: result.timedOut,
    durationMs: Date.now() - started,
    stdout: typeof result.stdout === "string" ? result.stdout : "",
    stats,
    errorLines,
    stderrTail,
    objectsChanged,
    failure,
    ...(spawnFailed ? { cause: result.cause } : {}),
  };
}
