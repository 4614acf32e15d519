import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { execa, type ResultPromise } from "execa";

import { paths, wranglerCli } from "./paths.js";
import { waitFor } from "./ports.js";

/** Secrets and variables handed to the local edge through an env file. */
export interface EdgeSecrets {
  DASHBOARD_PASSWORD: string;
  SESSION_SECRET: string;
  /** Key of the encrypted secret store; changing it makes stored secrets unreadable. */
  SECRETS_KEY?: string;
}

/** A running `wrangler dev` serving the edge in workerd. */
export interface LocalEdge {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts the edge in workerd through `wrangler dev`, with Durable Object state persisted
 * under `stateDir`, and waits until `/api/health` responds.
 */
export async function startEdge(options: {
  stateDir: string;
  port: number;
  secrets: EdgeSecrets;
  /** Further variables, e.g. VAST_BASE_URL pointing at a loopback fake. */
  vars?: Record<string, string>;
  timeoutMs?: number;
  /** Signal that ends the wait for the edge early (the demo's Ctrl-C) and stops wrangler. */
  signal?: AbortSignal;
}): Promise<LocalEdge> {
  await mkdir(options.stateDir, { recursive: true });
  const envFile = join(options.stateDir, "edge.env");
  const envText = Object.entries({ ...options.secrets, ...options.vars })
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
  await writeFile(envFile, `${envText}\n`, { mode: 0o600 });

  const logFile = join(options.stateDir, "wrangler.log");
  const log = createWriteStream(logFile, { flags: "a" });
  const url = `http://127.0.0.1:${options.port}`;

  const child: ResultPromise = execa(
    process.execPath,
    [
      wranglerCli(),
      "dev",
      "--config",
      paths.wranglerToml,
      "--ip",
      "127.0.0.1",
      "--port",
      String(options.port),
      "--persist-to",
      join(options.stateDir, "wrangler"),
      "--env-file",
      envFile,
      "--show-interactive-dev-session=false",
      "--log-level",
      // `log` also shows the Worker's own console lines; tests that search the log for leaks set it.
      process.env.WRANGLER_LOG_LEVEL ?? "info",
    ],
    {
      cwd: paths.repoRoot,
      env: {
        ...process.env,
        // wrangler must not try to reach Cloudflare for metrics or update checks.
        WRANGLER_SEND_METRICS: "false",
        NO_UPDATE_NOTIFIER: "1",
        CI: "true",
      },
      reject: false,
      stdin: "ignore",
      forceKillAfterDelay: 5000,
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  // A wrangler that exited (Ctrl-C reaches it too) ends the wait at once instead of after the timeout.
  let exited = false;
  const ended = new AbortController();
  void child.then(() => {
    exited = true;
    ended.abort(new Error(`wrangler dev exited early; see ${logFile}`));
  });
  const waitSignal = options.signal === undefined ? ended.signal : AbortSignal.any([options.signal, ended.signal]);

  try {
    await waitFor(
      `the edge at ${url}/api/health (wrangler log: ${logFile})`,
      async () => {
        if (exited) {
          throw new Error(`wrangler dev exited early; see ${logFile}`);
        }
        const response = await fetch(`${url}/api/health`);
        return response.ok;
      },
      options.timeoutMs ?? 60_000,
      300,
      waitSignal,
    );
  } catch (error) {
    child.kill("SIGTERM");
    await child;
    throw error;
  }

  return {
    url,
    logFile,
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
      }
      await child;
      log.end();
    },
  };
}
