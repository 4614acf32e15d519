import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Starts real rclone remotes for tests: `rclone serve webdav` and `rclone serve sftp`
 * with a user and password on 127.0.0.1 (ports picked by the OS), plus a local-disk
 * remote, and writes a matching rclone.conf with obscured passwords.
 */

const run = promisify(execFile);

export const REMOTE_USER = "carry";
export const REMOTE_PASSWORD = "s3cret-Pässword";

/** One `rclone serve` process that can be stopped and started again on the same port. */
export interface ServedRemote {
  /** Remote name in rclone.conf. */
  name: string;
  /** Folder the server serves. */
  root: string;
  port: number;
  running: boolean;
  stop(): Promise<void>;
  /** Starts the server again on the same port. */
  start(): Promise<void>;
}

export interface RcloneRemotes {
  dir: string;
  configPath: string;
  cacheDir: string;
  /** rclone.conf text as written. */
  config: string;
  webdav: ServedRemote;
  sftp: ServedRemote;
  /** Local-disk remote (an alias of a folder), named `disk`. */
  disk: { name: string; root: string };
  /** Environment for running rclone against these remotes. */
  env: { RCLONE_CONFIG: string; RCLONE_CACHE_DIR: string };
  close(): Promise<void>;
}

export interface StartOptions {
  rclone?: string;
  /** Parent for the temp dir; the OS temp dir by default. */
  parent?: string;
}

const READY_PATTERN = /(?:started on https?:\/\/|listening on )127\.0\.0\.1:(\d+)/;

function waitForReady(child: ChildProcess, label: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label} did not report a listening address within 20 s; output: ${output.slice(-2000)}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const match = READY_PATTERN.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stderr?.off("data", onData);
        // Keep draining stderr so the server never blocks on a full pipe.
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited early (code ${String(code)}, signal ${String(signal)}); output: ${output.slice(-2000)}`));
    });
  });
}

function serve(rclone: string, kind: "webdav" | "sftp", name: string, root: string, extraArgs: string[], env: NodeJS.ProcessEnv): Promise<ServedRemote> {
  let child: ChildProcess | null = null;
  let port = 0;

  const handle: ServedRemote = {
    name,
    root,
    port,
    running: false,
    async start() {
      const args = ["serve", kind, root, "--addr", `127.0.0.1:${port}`, "--user", REMOTE_USER, "--pass", REMOTE_PASSWORD, ...extraArgs];
      const started = spawn(rclone, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      child = started;
      port = await waitForReady(started, `rclone serve ${kind}`);
      handle.port = port;
      handle.running = true;
    },
    async stop() {
      const current = child;
      child = null;
      handle.running = false;
      if (current === null || current.exitCode !== null || current.signalCode !== null) {
        return;
      }
      const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
      current.kill("SIGKILL");
      await exited;
    },
  };
  return handle.start().then(() => handle);
}

/** Obscures a password the way rclone.conf stores it. */
export async function obscure(rclone: string, password: string): Promise<string> {
  const { stdout } = await run(rclone, ["obscure", password]);
  return stdout.trim();
}

/** Starts WebDAV and SFTP servers and writes rclone.conf for them and a local-disk remote. */
export async function startRcloneRemotes(options: StartOptions = {}): Promise<RcloneRemotes> {
  const rclone = options.rclone ?? "rclone";
  const dir = await mkdtemp(join(options.parent ?? tmpdir(), "rclone-remotes-"));
  const cacheDir = join(dir, "cache");
  const configPath = join(dir, "rclone.conf");
  const roots = { webdav: join(dir, "webdav"), sftp: join(dir, "sftp"), disk: join(dir, "disk") };
  for (const path of [cacheDir, ...Object.values(roots)]) {
    await mkdir(path, { recursive: true });
  }
  // An empty authorized-keys file keeps the SFTP server away from ~/.ssh.
  const authorizedKeys = join(dir, "authorized_keys");
  await writeFile(authorizedKeys, "");

  const env = { ...process.env, RCLONE_CONFIG: join(dir, "serve.conf"), RCLONE_CACHE_DIR: cacheDir };
  await writeFile(env.RCLONE_CONFIG, "");
  const webdav = await serve(rclone, "webdav", "wd", roots.webdav, [], env);
  // rclone serve sftp generates its host keys in RCLONE_CACHE_DIR on first start.
  const sftp = await serve(rclone, "sftp", "sf", roots.sftp, ["--authorized-keys", authorizedKeys], env);

  const pass = await obscure(rclone, REMOTE_PASSWORD);
  const config = [
    "[disk]",
    "type = alias",
    `remote = ${roots.disk}`,
    "",
    "[wd]",
    "type = webdav",
    `url = http://127.0.0.1:${webdav.port}/`,
    "vendor = other",
    `user = ${REMOTE_USER}`,
    `pass = ${pass}`,
    "",
    "[sf]",
    "type = sftp",
    "host = 127.0.0.1",
    `port = ${sftp.port}`,
    `user = ${REMOTE_USER}`,
    `pass = ${pass}`,
    "shell_type = unix",
    "md5sum_command = none",
    "sha1sum_command = none",
    "",
  ].join("\n");
  await writeFile(configPath, config, { mode: 0o600 });

  return {
    dir,
    configPath,
    cacheDir,
    config,
    webdav,
    sftp,
    disk: { name: "disk", root: roots.disk },
    env: { RCLONE_CONFIG: configPath, RCLONE_CACHE_DIR: cacheDir },
    async close() {
      await webdav.stop();
      await sftp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
