import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { z } from "zod";

import { createComfyuiCheckout, writeFakePython } from "./comfyui-checkout.js";
import { EdgeClient } from "./edge-client.js";
import { startEdge, type LocalEdge } from "./edge.js";
import { paths } from "./paths.js";
import { LinkCutter } from "./link-cutter.js";
import { Pm2Cli } from "./pm2.js";
import { watchForExit } from "./pm2-exit-watch.js";
import { findFreePort, waitFor } from "./ports.js";
import { ensureOutputsRule, localRemoteConf, localRemoteDir, prepareLocalRemote } from "./sync.js";

/** Names of the PM2 services the stack runs. */
export const COMFY_SERVICE = "comfy";
export const REPORTER_SERVICE = "comfycarry-reporter";

/** An address nothing listens on, for services a stack must never reach on the internet. */
export const CLOSED_LOOPBACK_URL = "http://127.0.0.1:9";

/** Reporter variables that keep its calls to CivitAI, Hugging Face and Cloudflare's API on loopback. */
export const OFFLINE_REPORTER_ENV: Record<string, string> = {
  CIVITAI_BASE_URL: CLOSED_LOOPBACK_URL,
  HF_ENDPOINT: CLOSED_LOOPBACK_URL,
  COMFYCARRY_CLOUDFLARE_API_URL: CLOSED_LOOPBACK_URL,
};

/**
 * Node flags of the reporter, the same as bootstrap.sh passes. V8 sizes the young
 * generation by machine memory (16 MB semi-spaces on a 24 GB host). The reporter's garbage
 * is small frames and events, so 1 MB semi-spaces scavenge often but quickly; in the
 * latency benchmark's workload they kept RSS about 15 MB lower. --optimize-for-size makes V8
 * grow its heap less eagerly and collect garbage more often. In three runs each of that
 * workload (20 viewers, 2 shared cores), it lowered the idle RSS from about 100 MB to 93 MB,
 * and CPU time per step stayed within the run-to-run noise. --expose-gc lets the proxies
 * force a minor collection every few MiB they relay (reporter/src/comfyui/proxy/transfer-gc.ts).
 * --no-memory-reducer stops V8 from running full collections to shrink the heap once the
 * allocation rate drops. In the benchmark's 20 s idle phase it ran two, about half of the
 * reporter's idle CPU. Without it the idle share fell from 1.0-1.05 % to 0.50-0.55 % of a core
 * (two runs each on 2 shared cores), and peak RSS stayed in the same range (94-100 MB). The
 * heap still shrinks at the next collection that allocation triggers.
 * --max-opt=0 keeps every function in the Ignition interpreter: no TurboFan and no Sparkplug
 * baseline code. Most of the streaming CPU is then in Ignition's handlers (perf), yet compiled
 * code bought little, even over 30 s of streaming. Optimizing cost background-thread CPU, and
 * TurboFan's own code pages in the Node binary stayed resident. In the latency benchmark's
 * workload, stopping before TurboFan (--max-opt=1) lowered peak RSS from 99-100 MB to 91 MB
 * and CPU per streamed step from 1.2 to 1.05 ms (one run each). Stopping before Sparkplug as
 * well lowered peak RSS from 78.6-79.2 MB to 76.1-77.6 MB, with CPU per step 0.80-1.00 ms
 * against 0.85-1.15 ms (three alternating runs each). The access proxy relayed 100 MiB as
 * fast as before (bench/src/proxy.ts, three runs each). Unlike --lite-mode and --jitless,
 * this keeps WebAssembly, which fetch needs for its HTTP parser.
 */
export const REPORTER_NODE_ARGS = ["--max-semi-space-size=1", "--optimize-for-size", "--expose-gc", "--no-memory-reducer", "--max-opt=0"];

/**
 * glibc malloc settings of the reporter's own process. The reporter removes the variables
 * listed in COMFYCARRY_REPORTER_ONLY_ENV from its environment at start, so its children
 * (ComfyUI among them) do not inherit them. bootstrap.sh's launcher sets the same.
 * MALLOC_ARENA_MAX=2: glibc gives threads that malloc (V8's GC helpers, the libuv pool)
 * arenas of their own, where freed memory stays. Two are plenty for one event loop.
 * MALLOC_MMAP_THRESHOLD_=131072 fixes the size from which glibc maps a block on its own.
 * By default that size grows after large blocks are freed, and later blocks of that size stay
 * in the heap once freed. In single runs of an idle reporter the fixed value lowered RSS by
 * about 1 MB (82.3 to 81.4 MB). A 64 KiB value would likely map each of Node's 64 KiB socket
 * read buffers on its own, which costs two system calls per read.
 * GLIBC_TUNABLES turns off the fast bins and the per-thread cache, so freed chunks merge with
 * their neighbours at once. Chunks held there can pin the top of the heap, and then the memory
 * V8 frees after parsing the bundle stays resident. In 2 of 13 starts without the tunables the
 * heap kept about 14 MB with 5.7 MB in use, and the reporter sat at 84-86 MB instead of
 * 77-79 MB. With them, none of 16 starts did (an idle stack, RSS read 10 s after start).
 */
export const REPORTER_MALLOC_ENV = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
  GLIBC_TUNABLES: "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0",
  COMFYCARRY_REPORTER_ONLY_ENV: "MALLOC_ARENA_MAX,MALLOC_MMAP_THRESHOLD_,GLIBC_TUNABLES",
};

/**
 * PM2 start flags of the reporter, the same as bootstrap.sh passes. PM2's fork wrapper
 * otherwise loads its pm2-io-bpm metrics (event-loop, heap and network probes reported
 * over IPC every second) into the reporter, and turns on source maps, which makes Node
 * parse the 4 MB dist/reporter.mjs.map and keep it in memory.
 */
export const REPORTER_PM2_FLAGS = ["--no-pmx", "--disable-source-map-support"];

/** Exit code of a reporter that the edge refused for good (see reporter/src/main.ts). */
export const REPORTER_FATAL_EXIT_CODE = 78;

export interface StackOptions {
  /** Folder for all state: edge storage, PM2_HOME, workspace, logs. */
  stateDir: string;
  /** Edge port; 0 picks a free one. */
  edgePort?: number;
  /** GPU preset name under tools/fake-nvidia-smi/presets. */
  preset?: string;
  /** Simulated time per sampler step, in milliseconds. */
  stepMs?: number;
  /** Simulated ComfyUI start-up time, in milliseconds; real ComfyUI takes seconds to minutes. */
  startupMs?: number;
  /** Feed the reporter's disk figures from a file the test rewrites, instead of the real disk. */
  fakeDisk?: { total_bytes: number; used_bytes: number; free_bytes: number };
  /** Reuse the password and instance stored in `stateDir` by an earlier run (the demo). */
  reuseState?: boolean;
  instanceName?: string;
  /** Route the reporter's edge connection through a relay that tests can cut. */
  cuttableLink?: boolean;
  /** Cloud sync against a local-disk rclone remote (named `local`) under the state dir. */
  sync?: {
    /** Give the reporter rclone.conf with the local remote through RCLONE_CONF_BASE64. */
    seedRemote?: boolean;
    /** Create the "outputs → remote" watch rule once the reporter is up (needs `seedRemote`). */
    outputsRule?: boolean;
    /** How long a new output must stay unchanged before it is uploaded, in ms. */
    watchStableMs?: number;
  };
  /**
   * Run ComfyUI the way the reporter's ComfyUI control does: a git checkout at
   * `workspace/ComfyUI` whose main.py starts the simulator, a stand-in COMFYUI_PYTHON, and the
   * PM2 definition the reporter makes, logging to the reporter's log file. `env` goes to
   * ComfyUI and the reporter (which passes it on when it restarts ComfyUI).
   */
  comfyuiCheckout?: { env?: Record<string, string> };
  /**
   * Extra variables for the reporter, e.g. CIVITAI_BASE_URL, HF_ENDPOINT and
   * COMFYCARRY_TEST_LOOPBACK_HOSTS to point downloads at the loopback fakes.
   */
  reporterEnv?: Record<string, string>;
  /** Script of the reporter in place of the built bundle (paths.reporterEntry), e.g. a stub that fails. */
  reporterEntry?: string;
  /** Node flags of the reporter in place of REPORTER_NODE_ARGS, for benchmarks that compare flags. */
  reporterNodeArgs?: string[];
  /** Extra edge variables, e.g. provider base URLs and API keys pointing at loopback fakes. */
  edgeVars?: Record<string, string>;
  /** Start no ComfyUI, because a deploy (the setup wizard's browser test) installs or adopts it and starts it. */
  withoutComfyui?: boolean;
  /**
   * Ends the start-up early (the demo's Ctrl-C): Stack.start starts nothing more, stops what it
   * started and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

const storedStateSchema = z.object({
  password: z.string().min(1),
  sessionSecret: z.string().min(1),
  // Demo state written before the secret store existed has no key; one is generated then.
  secretsKey: z.string().min(32).default(() => randomBytes(32).toString("base64url")),
  instanceId: z.string().nullable(),
  token: z.string().nullable(),
});
type StoredState = z.infer<typeof storedStateSchema>;

/** A running local stack: edge in workerd, the simulator and the reporter under PM2. */
export class Stack {
  readonly pm2: Pm2Cli;
  readonly workspaceDir: string;
  readonly presetFile: string;
  readonly diskFile: string;
  /** The relay between reporter and edge, when `cuttableLink` is set. */
  linkCutter: LinkCutter | null = null;

  private constructor(
    readonly options: StackOptions,
    readonly edge: LocalEdge,
    readonly client: EdgeClient,
    readonly password: string,
    readonly instanceId: string,
    readonly tokenFile: string,
    readonly comfyuiPort: number,
    readonly comfyuiProxyPort: number,
    readonly accessProxyPort: number,
  ) {
    this.pm2 = new Pm2Cli(join(options.stateDir, "pm2"));
    this.workspaceDir = join(options.stateDir, "workspace");
    this.presetFile = join(options.stateDir, "gpu-preset.json");
    this.diskFile = join(options.stateDir, "disk.json");
  }

  /** Starts every part and returns once the reporter has delivered a first snapshot. */
  static async start(options: StackOptions): Promise<Stack> {
    const signal = options.signal;
    signal?.throwIfAborted();
    await mkdir(options.stateDir, { recursive: true });
    const state = await loadOrCreateState(options);
    signal?.throwIfAborted();

    const edgePort = options.edgePort === undefined || options.edgePort === 0 ? await findFreePort() : options.edgePort;
    const edge = await startEdge({
      stateDir: options.stateDir,
      port: edgePort,
      secrets: { DASHBOARD_PASSWORD: state.password, SESSION_SECRET: state.sessionSecret, SECRETS_KEY: state.secretsKey },
      vars: options.edgeVars,
      signal,
    });

    let stack: Stack | null = null;
    try {
      signal?.throwIfAborted();
      const client = new EdgeClient(edge.url);
      await client.login(state.password);
      const known = state.instanceId === null ? [] : (await client.instances()).filter((item) => item.instance_id === state.instanceId);
      if (known.length === 0 || state.token === null) {
        const created = await client.createInstance(options.instanceName ?? "demo");
        state.instanceId = created.instance_id;
        state.token = created.token;
        await writeFile(join(options.stateDir, "state.json"), JSON.stringify(state), { mode: 0o600 });
      }
      const instanceId = state.instanceId ?? "";
      const tokenFile = join(options.stateDir, "instance-token");
      await writeFile(tokenFile, state.token ?? "", { mode: 0o600 });

      stack = new Stack(options, edge, client, state.password, instanceId, tokenFile, await findFreePort(), await findFreePort(), await findFreePort());
      signal?.throwIfAborted();
      await stack.startServices();
      return stack;
    } catch (error) {
      // Whatever started before the failure (PM2 and its processes, the relay, wrangler) must not outlive it.
      const cleanup = stack === null ? edge.stop() : stack.stop();
      const cleanupError = await cleanup.then(
        () => null,
        (failure: unknown) => failure,
      );
      if (cleanupError !== null) {
        throw new AggregateError([error, cleanupError], "the stack failed to start, and stopping what it had started failed too");
      }
      throw error;
    }
  }

  /** Throws once the start-up was cancelled, so that no further part starts. */
  private checkNotAborted(): void {
    this.options.signal?.throwIfAborted();
  }

  private async startServices(): Promise<void> {
    await mkdir(this.workspaceDir, { recursive: true });
    await prepareLocalRemote(this.options.stateDir);
    await this.setPreset(this.options.preset ?? "h100");
    if (this.options.fakeDisk !== undefined) {
      await this.setDisk(this.options.fakeDisk);
    }

    const pathWithFakes = `${paths.fakeNvidiaSmiBin}:${process.env.PATH ?? ""}`;
    const common = { PATH: pathWithFakes, FAKE_NVIDIA_SMI_PRESET: this.presetFile };

    this.checkNotAborted();
    await this.pm2.kill();
    this.checkNotAborted();
    if (this.options.cuttableLink === true) {
      this.linkCutter = await LinkCutter.start(Number(new URL(this.edge.url).port));
    }
    if (this.options.withoutComfyui === true) {
      this.checkNotAborted();
      await this.startReporter();
      await this.waitForFirstSnapshot();
      return;
    }
    if (this.options.comfyuiCheckout !== undefined) {
      await this.startComfyuiCheckout(common);
    } else {
      await this.pm2.start({
        name: COMFY_SERVICE,
        script: paths.simulatorEntry,
        args: ["--listen", "127.0.0.1", "--port", String(this.comfyuiPort), "--base-directory", join(this.workspaceDir, "ComfyUI")],
        env: {
          ...common,
          COMFYUI_SIM_STEP_MS: String(this.options.stepMs ?? 150),
          COMFYUI_SIM_STARTUP_MS: String(this.options.startupMs ?? 3_000),
        },
        cwd: this.workspaceDir,
      });
    }
    // Start the reporter once ComfyUI responds, so its first snapshot already shows it online.
    await waitFor(
      `the ComfyUI simulator at ${this.comfyuiUrl}`,
      async () => (await fetch(`${this.comfyuiUrl}/system_stats`)).ok,
      60_000,
      200,
      this.options.signal,
    );
    this.checkNotAborted();
    await this.startReporter();
    await this.waitForFirstSnapshot();
    this.checkNotAborted();
    if (this.options.sync?.outputsRule === true) {
      await ensureOutputsRule(this.client, this.instanceId);
    }
  }

  private async waitForFirstSnapshot(): Promise<void> {
    const exitWatch = watchForExit(this.pm2, REPORTER_SERVICE, this.reporterEntry);
    const done = new AbortController();
    const cancel = () => done.abort(this.options.signal?.reason);
    this.options.signal?.addEventListener("abort", cancel, { once: true });
    try {
      await Promise.race([
        waitFor(
          "the first snapshot from the reporter at the edge",
          async () => {
            const overview = await this.client.overview(this.instanceId);
            return overview.online && overview.snapshot !== null;
          },
          60_000,
          250,
          done.signal,
        ),
        exitWatch.exited,
      ]);
    } finally {
      this.options.signal?.removeEventListener("abort", cancel);
      exitWatch.stop();
      done.abort();
    }
  }

  get reporterEntry(): string {
    return this.options.reporterEntry ?? paths.reporterEntry;
  }

  /** Folder behind the local rclone remote. */
  get syncRemoteDir(): string {
    return localRemoteDir(this.options.stateDir);
  }

  /** rclone.conf text for the local remote, as a user would paste it. */
  localRemoteConf(name?: string): string {
    return localRemoteConf(this.options.stateDir, name);
  }

  /**
   * Starts ComfyUI from the checkout under PM2 with the definition the reporter's ComfyUI
   * control makes (script, interpreter, arguments, log file), so its restarts reuse it.
   * NOTE: not through `comfyui.start`, because a reporter that itself runs under PM2 passes
   * PM2's own variables (pm_id, name) on to the new process, and PM2 then replaces the reporter.
   */
  private async startComfyuiCheckout(common: Record<string, string>): Promise<void> {
    const comfyuiDir = join(this.workspaceDir, "ComfyUI");
    const controlDir = join(this.options.stateDir, "reporter-state", "comfyui");
    await createComfyuiCheckout(comfyuiDir);
    await mkdir(join(controlDir, "logs"), { recursive: true });
    // The stand-in Python runs main.py with Node, which reads it as an ES module when the
    // nearest package.json says "module", as the repository's does for the demo's state under
    // it. This one keeps everything under the state folder CommonJS.
    await writeFile(join(this.options.stateDir, "package.json"), `${JSON.stringify({ private: true, type: "commonjs" })}\n`);
    await this.pm2.start({
      name: COMFY_SERVICE,
      script: join(comfyuiDir, "main.py"),
      interpreter: await writeFakePython(join(this.options.stateDir, "bin")),
      args: ["--listen", "127.0.0.1", "--port", String(this.comfyuiPort)],
      env: { ...common, ...this.checkoutEnv(), __COMFY_CLI_SESSION__: join(controlDir, "manager-session") },
      cwd: comfyuiDir,
      logFile: join(controlDir, "logs", "comfyui.log"),
    });
  }

  /** Variables of ComfyUI and the reporter in checkout mode; the reporter passes them on when it restarts ComfyUI. */
  private checkoutEnv(): Record<string, string> {
    return {
      COMFYUI_PYTHON: join(this.options.stateDir, "bin", "python"),
      FAKE_PYTHON_NODE: process.execPath,
      COMFYUI_SIM_STEP_MS: String(this.options.stepMs ?? 150),
      COMFYUI_SIM_STARTUP_MS: String(this.options.startupMs ?? 3_000),
      ...this.options.comfyuiCheckout?.env,
    };
  }

  /** Environment of the reporter process. */
  reporterEnv(): Record<string, string> {
    const env: Record<string, string> = {
      PATH: `${paths.fakeNvidiaSmiBin}:${process.env.PATH ?? ""}`,
      FAKE_NVIDIA_SMI_PRESET: this.presetFile,
      EDGE_URL: this.linkCutter === null ? this.edge.url : `http://127.0.0.1:${this.linkCutter.port}`,
      COMFYCARRY_INSTANCE_ID: this.instanceId,
      COMFYCARRY_TOKEN_FILE: this.tokenFile,
      WORKSPACE_DIR: this.workspaceDir,
      COMFYUI_DIR: join(this.workspaceDir, "ComfyUI"),
      COMFYUI_URL: `http://127.0.0.1:${this.comfyuiPort}`,
      COMFYUI_SERVICE: COMFY_SERVICE,
      COMFYCARRY_COMFYUI_PROXY_PORT: String(this.comfyuiProxyPort),
      COMFYCARRY_ACCESS_PROXY_PORT: String(this.accessProxyPort),
      COMFYCARRY_STATE_DIR: join(this.options.stateDir, "reporter-state"),
      // The deploy engine lists and clones upstream ComfyUI on GitHub by default; a stack never
      // reaches it. Pass a fixture repository in `reporterEnv` to deploy.
      COMFYUI_REPOSITORY: `file://${join(this.options.stateDir, "no-comfyui-repository")}`,
      // The reporter looks up model hashes on CivitAI and Hugging Face, and the tunnel talks to
      // Cloudflare's API. A stack never reaches them: port 9 on loopback is closed, so those
      // calls fail at once. Tests that need them pass the fakes' addresses in `reporterEnv`.
      ...OFFLINE_REPORTER_ENV,
      PM2_HOME: this.pm2.pm2Home,
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      ...REPORTER_MALLOC_ENV,
    };
    if (this.options.fakeDisk !== undefined) {
      env.COMFYCARRY_DISK_STATS_FILE = this.diskFile;
    }
    if (this.options.sync?.seedRemote === true) {
      env.RCLONE_CONF_BASE64 = Buffer.from(this.localRemoteConf()).toString("base64");
    }
    if (this.options.sync?.watchStableMs !== undefined) {
      env.COMFYCARRY_SYNC_WATCH_STABLE_MS = String(this.options.sync.watchStableMs);
    }
    if (this.options.comfyuiCheckout !== undefined) {
      Object.assign(env, this.checkoutEnv());
    }
    return { ...env, ...this.options.reporterEnv };
  }

  async startReporter(): Promise<void> {
    await this.pm2.start({
      name: REPORTER_SERVICE,
      script: this.reporterEntry,
      args: [],
      env: this.reporterEnv(),
      cwd: this.workspaceDir,
      // The reporter exits with 78 when the edge refuses it for good (replaced, revoked);
      // restarting it would only meet the same refusal.
      stopExitCodes: [REPORTER_FATAL_EXIT_CODE],
      nodeArgs: this.options.reporterNodeArgs ?? REPORTER_NODE_ARGS,
      pm2Flags: REPORTER_PM2_FLAGS,
    });
  }

  /** Kills the reporter for good (no PM2 restart), as a crashed or removed container would. */
  async killReporter(): Promise<void> {
    await this.pm2.delete(REPORTER_SERVICE);
  }

  /** URL of the reporter's observing proxy in front of ComfyUI. */
  get comfyuiProxyUrl(): string {
    return `http://127.0.0.1:${this.comfyuiProxyPort}`;
  }

  /** URL of the reporter's access proxy, the login in front of ComfyUI that a tunnel points at. */
  get accessProxyUrl(): string {
    return `http://127.0.0.1:${this.accessProxyPort}`;
  }

  get comfyuiUrl(): string {
    return `http://127.0.0.1:${this.comfyuiPort}`;
  }

  /** Switches the GPU preset the fake nvidia-smi and the simulator read, atomically. */
  async setPreset(preset: string | object): Promise<void> {
    const temp = `${this.presetFile}.tmp`;
    if (typeof preset === "string") {
      await copyFile(join(paths.presetsDir, `${preset}.json`), temp);
    } else {
      await writeFile(temp, JSON.stringify(preset));
    }
    await rename(temp, this.presetFile);
  }

  /** Sets the disk figures the reporter reports (only with `fakeDisk`). */
  async setDisk(disk: { total_bytes: number; used_bytes: number; free_bytes: number }): Promise<void> {
    const temp = `${this.diskFile}.tmp`;
    await writeFile(temp, JSON.stringify(disk));
    await rename(temp, this.diskFile);
  }

  async stop(): Promise<void> {
    await this.pm2.kill();
    await this.linkCutter?.stop();
    await this.edge.stop();
  }
}

async function loadOrCreateState(options: StackOptions): Promise<StoredState> {
  const file = join(options.stateDir, "state.json");
  if (options.reuseState === true) {
    try {
      const stored = storedStateSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
      if (stored.success) {
        // Write back, so a key generated for an older state file stays the same next run.
        await writeFile(file, JSON.stringify(stored.data), { mode: 0o600 });
        return stored.data;
      }
    } catch {
      // No usable earlier state: generate a new one below.
    }
  }
  const state: StoredState = {
    password: randomBytes(12).toString("base64url"),
    sessionSecret: randomBytes(32).toString("base64url"),
    secretsKey: randomBytes(32).toString("base64url"),
    instanceId: null,
    token: null,
  };
  await writeFile(file, JSON.stringify(state), { mode: 0o600 });
  return state;
}
