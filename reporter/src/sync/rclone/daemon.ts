/**
 * One `rclone rcd` on 127.0.0.1 for a batch of copies and remote probes, so a restore of
 * several folders starts one rclone process instead of one per folder and per probe. The
 * daemon listens on a port the kernel picks, takes a random user and password (passed in its
 * environment, not its arguments) and, where util-linux `setpriv` exists, gets SIGTERM when
 * the reporter dies.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { Agent, request } from "node:http";

import { childEnv } from "../../comfyui-control/python/run.js";

const SERVING = /Serving remote control on (http:\/\/127\.0\.0\.1:\d+)\//;
const SETPRIV = "/usr/bin/setpriv";
/**
 * Maximum duration of one rc call, set as the HTTP server's read and write timeouts, because
 * a copy is one request whose response comes when the copy ends. rclone 1.60 defaults to 1 h.
 */
const MAX_CALL = "25h";

/** The outcome of one rc call: rclone's JSON output, or its error message. */
export interface RcReply {
  ok: boolean;
  output: unknown;
  error: string | null;
}

export class RcloneDaemon {
  readonly #child: ChildProcess;
  readonly #url: string;
  readonly #auth: string;
  // Keeps the connections open between calls, so a probe after a copy skips the TCP handshake.
  readonly #agent = new Agent({ keepAlive: true });

  private constructor(child: ChildProcess, url: string, auth: string) {
    this.#child = child;
    this.#url = url;
    this.#auth = auth;
  }

  /** The daemon's base URL on 127.0.0.1 (without credentials). */
  get url(): string {
    return this.#url;
  }

  /**
   * Starts `rclone rcd` with `configPath` and waits until it serves, for at most `timeoutMs`.
   * `cacheDir` sets RCLONE_CACHE_DIR, as for the reporter's other rclone processes.
   */
  static async start(binary: string, configPath: string, options: { timeoutMs?: number; cacheDir?: string } = {}): Promise<RcloneDaemon> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const user = randomBytes(9).toString("base64url");
    const password = randomBytes(18).toString("base64url");
    const args = ["rcd", "--config", configPath, "--rc-addr", "127.0.0.1:0", "--rc-server-read-timeout", MAX_CALL, "--rc-server-write-timeout", MAX_CALL];
    const [file, fileArgs] = existsSync(SETPRIV) ? [SETPRIV, ["--pdeathsig", "TERM", "--", binary, ...args]] : [binary, args];
    const child = spawn(file, fileArgs, { stdio: ["ignore", "ignore", "pipe"], env: childEnv({ RCLONE_RC_USER: user, RCLONE_RC_PASS: password, RCLONE_ASK_PASSWORD: "false", ...(options.cacheDir === undefined ? {} : { RCLONE_CACHE_DIR: options.cacheDir }) }) });

    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => fail(new Error(`rclone rcd did not start serving within ${timeoutMs} ms: ${output.slice(-300)}`)), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill("SIGTERM");
        reject(error);
      };
      child.once("error", fail);
      child.once("exit", (code) => fail(new Error(`rclone rcd exited with status ${String(code)} before serving: ${output.slice(-300)}`)));
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        output = (output + chunk).slice(-2000);
        const match = SERVING.exec(output);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          child.removeAllListeners("exit");
          resolve(match[1]);
        }
      });
    });
    return new RcloneDaemon(child, url, `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`);
  }

  /**
   * Runs an rc method such as `sync/copy` and waits for it. Returns null on success, else
   * rclone's error message ("directory not found" when the source folder does not exist).
   * The call is one HTTP request whose response comes when the work ends, so the caller sees
   * the end at once instead of at the next poll of a background job. After `timeoutMs` the
   * request is closed, and rclone then cancels the work (a copy leaves no partial file).
   */
  async runJob(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<string | null> {
    const reply = await this.call(method, params, timeoutMs);
    return reply.ok ? null : (reply.error ?? `rclone rcd failed to run ${method}`);
  }

  /** Calls an rc method with JSON `params` and returns its parsed output, or the error after `timeoutMs`. */
  call(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<RcReply> {
    const body = JSON.stringify(params);
    return new Promise((resolve) => {
      const sent = request(
        `${this.#url}/${method}`,
        { method: "POST", agent: this.#agent, headers: { authorization: this.#auth, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", (error) => finish({ ok: false, output: null, error: error.message }));
          response.on("end", () => finish(reply(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
        },
      );
      const timer = setTimeout(() => sent.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      const finish = (result: RcReply): void => {
        clearTimeout(timer);
        resolve(result);
      };
      sent.on("error", (error) => finish({ ok: false, output: null, error: error.message }));
      sent.end(body);
    });
  }

  /** Ends the daemon and waits for it to exit. */
  async stop(): Promise<void> {
    this.#agent.destroy();
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.kill("SIGTERM");
    await exited;
  }
}

/** Parses rclone's JSON response. An error response carries `{"error": "..."}`. */
function reply(status: number, text: string): RcReply {
  let output: unknown = null;
  try {
    output = JSON.parse(text);
  } catch {
    output = null;
  }
  if (status >= 200 && status < 300) {
    return { ok: true, output, error: null };
  }
  const message = typeof output === "object" && output !== null && "error" in output && typeof output.error === "string" ? output.error : `HTTP ${status}`;
  return { ok: false, output, error: message };
}
