/**
 * One `rclone rcd` on 127.0.0.1 for a batch of copies, so a restore of several folders starts
 * one rclone process instead of one per folder. The daemon listens on a port the kernel picks,
 * takes a random user and password (passed in its environment, not its arguments) and, where
 * util-linux `setpriv` exists, gets SIGTERM when the reporter dies.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";

import { setTimeout as sleep } from "node:timers/promises";

import { z } from "zod";

import { childEnv } from "../../comfyui-control/python/run.js";

const SERVING = /Serving remote control on (http:\/\/127\.0\.0\.1:\d+)\//;
const SETPRIV = "/usr/bin/setpriv";

/** Job polls start 5 ms apart and double up to this, so a copy of a few small files is seen done within milliseconds. */
const JOB_POLL_MAX_MS = 50;
const jobStatusSchema = z.object({ finished: z.boolean(), success: z.boolean(), error: z.string().catch("") });
const jobStartSchema = z.object({ jobid: z.number() });

export class RcloneDaemon {
  readonly #child: ChildProcess;
  readonly #url: string;
  readonly #auth: string;

  private constructor(child: ChildProcess, url: string, auth: string) {
    this.#child = child;
    this.#url = url;
    this.#auth = auth;
  }

  /** The daemon's base URL on 127.0.0.1 (without credentials). */
  get url(): string {
    return this.#url;
  }

  /** Starts `rclone rcd` with `configPath` and waits until it serves, for at most `timeoutMs`. */
  static async start(binary: string, configPath: string, timeoutMs = 15_000): Promise<RcloneDaemon> {
    const user = randomBytes(9).toString("base64url");
    const password = randomBytes(18).toString("base64url");
    const args = ["rcd", "--config", configPath, "--rc-addr", "127.0.0.1:0"];
    const [file, fileArgs] = existsSync(SETPRIV) ? [SETPRIV, ["--pdeathsig", "TERM", "--", binary, ...args]] : [binary, args];
    const child = spawn(file, fileArgs, { stdio: ["ignore", "ignore", "pipe"], env: childEnv({ RCLONE_RC_USER: user, RCLONE_RC_PASS: password, RCLONE_ASK_PASSWORD: "false" }) });

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
   * Runs an rc method as a background job and polls it (every 50 ms at most), because a long
   * copy would outlast an HTTP request's timeouts. Returns null on success, else rclone's error message
   * ("directory not found" when the source folder does not exist).
   */
  async runJob(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    let delay = 5;
    const started = await this.#call(method, { ...params, _async: true });
    const job = jobStartSchema.safeParse(started.output);
    if (!started.ok || !job.success) {
      return started.error ?? "rclone rcd did not return a job id";
    }
    for (;;) {
      const status = await this.#call("job/status", { jobid: job.data.jobid });
      const parsed = jobStatusSchema.safeParse(status.output);
      if (!status.ok || !parsed.success) {
        return status.error ?? "rclone rcd returned an unreadable job status";
      }
      if (parsed.data.finished) {
        return parsed.data.success ? null : parsed.data.error || "the copy failed";
      }
      if (Date.now() > deadline) {
        await this.#call("job/stop", { jobid: job.data.jobid });
        return `timed out after ${Math.round(timeoutMs / 1000)} s`;
      }
      await sleep(delay);
      delay = Math.min(delay * 2, JOB_POLL_MAX_MS);
    }
  }

  async #call(method: string, params: Record<string, unknown>): Promise<{ ok: boolean; output: unknown; error: string | null }> {
    const response = await fetch(`${this.#url}/${method}`, {
      method: "POST",
      headers: { authorization: this.#auth, "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    const output: unknown = await response.json().catch(() => null);
    if (response.ok) {
      return { ok: true, output, error: null };
    }
    const message = typeof output === "object" && output !== null && "error" in output && typeof output.error === "string" ? output.error : `HTTP ${response.status}`;
    return { ok: false, output, error: message };
  }

  /** Ends the daemon and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
      return;
    }
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.kill("SIGTERM");
    await exited;
  }
}
