import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";

import { startModelHosts } from "./model-hosts.js";
import { paths } from "./paths.js";
import { findFreePort } from "./ports.js";
import { Stack } from "./stack.js";
import { startWorkload } from "./workload.js";

const usage = `Usage: npm run demo -- [--port N] [--preset NAME] [--no-workload] [--state-dir DIR] [--no-build]
  --port N         edge port (default 8787, or a free port if it is taken; 0 picks a free port)
  --preset NAME    GPU preset of the fake nvidia-smi: h100, rtx4090x2, na-power, nvml-failure (default h100)
  --no-workload    do not queue a sample prompt every 30 s
  --state-dir DIR  folder for edge storage, PM2_HOME and logs (default .state/demo)
  --no-build       skip \`npm install\` and \`npm run build\`, when both are already current`;

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    preset: { type: "string", default: "h100" },
    "no-workload": { type: "boolean", default: false },
    "state-dir": { type: "string" },
    // Read by demo.mjs; accepted here so that demo.ts can be started with the same flags.
    "no-build": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const requestedPort = values.port === undefined ? 8787 : Number(values.port);
if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
  console.error(`Invalid --port "${values.port ?? ""}": use a TCP port between 1 and 65535, or 0 for a free one.`);
  process.exit(2);
}
const port = requestedPort !== 0 && (await isPortFree(requestedPort)) ? requestedPort : await findFreePort();
const stateDir = resolve(values["state-dir"] ?? join(paths.repoRoot, ".state/demo"));

// Handlers go in before anything starts: Ctrl-C during the start-up must stop what started too.
// It cancels the start-up, so that Stack.start starts nothing more and stops what it started.
let stopRequested = false;
let stop: (() => Promise<void>) | null = null;
const startup = new AbortController();
// Ctrl-C reaches this process twice: from the terminal, which signals the whole group, and
// from demo.mjs, which forwards it. A repeat within this window is taken as that same press.
const repeatWindowMs = 2_000;
let firstSignalAt = 0;
function onSignal(): void {
  if (stopRequested) {
    if (Date.now() - firstSignalAt > repeatWindowMs) {
      console.log("[comfycarry] still stopping…");
    }
    return;
  }
  stopRequested = true;
  firstSignalAt = Date.now();
  console.log("[comfycarry] stopping…");
  startup.abort(new Error("the demo was stopped during its start-up"));
  void stop?.();
}
// SIGHUP: the terminal was closed, which must stop the demo as Ctrl-C does.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, onSignal);
}

// Writes to a closed terminal fail (EIO, or EPIPE on a pipe), and an unhandled write error would
// end this process before it stopped PM2. Output after that point is dropped instead.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", () => undefined);
}

console.log("[comfycarry] starting the local edge (wrangler dev), the ComfyUI simulator and the reporter…");
// Loopback fakes of CivitAI and Hugging Face, so the Models page can search and download offline.
const modelHosts = await startModelHosts();
const stack = await Stack.start({
  reporterEnv: modelHosts.env,
  stateDir,
  edgePort: port,
  preset: values.preset,
  reuseState: true,
  instanceName: "demo",
  // A local-disk rclone remote with an "outputs → remote" watch rule, so the demo shows live sync.
  sync: { seedRemote: true, outputsRule: true },
  // ComfyUI as a git checkout started the way the reporter defines it, so the ComfyUI page's
  // launch options, versions and log view work as they do on a rented container.
  comfyuiCheckout: {},
  signal: startup.signal,
}).catch(async (error: unknown) => {
  // Stack.start has already stopped the parts it started. Ctrl-C ends wrangler dev at once,
  // so a start-up that was interrupted fails here too.
  await modelHosts.close();
  if (stopRequested) {
    console.log("[comfycarry] stopped.");
    process.exit(130);
  }
  console.error("[comfycarry] the demo failed to start:", error);
  process.exit(1);
});
const stopWorkload = values["no-workload"] ? () => undefined : startWorkload(stack.comfyuiProxyUrl, 30_000);

console.log(`
  ComfyCarry demo is running.

  Dashboard / 控制台:  ${stack.edge.url}/
  Password / 密码:     ${stack.password}
  Instance / 实例:     ${stack.instanceId}
  ComfyUI (simulator, via the reporter's proxy): ${stack.comfyuiProxyUrl}
  Sync remote "local" (rclone alias of a folder): ${stack.syncRemoteDir}
  Fake CivitAI: ${modelHosts.civitai.origin} (paste ${modelHosts.civitaiLink} on the Models page)
  Fake Hugging Face: ${modelHosts.hf.origin} (browse acme/flux-parts)

  State: ${displayPath(stateDir)} (edge storage, PM2_HOME, logs). Press Ctrl-C to stop.
`);

stop = async () => {
  stopWorkload();
  let exitCode = 0;
  try {
    await stack.stop();
  } catch (error) {
    console.error(`[comfycarry] stopping the stack failed; check for processes with PM2_HOME=${stack.pm2.pm2Home}:`, error);
    exitCode = 1;
  }
  await modelHosts.close();
  console.log("[comfycarry] stopped.");
  process.exit(exitCode);
};
if (stopRequested) {
  void stop();
}

/** Returns `path` relative to the repository when it is inside it, for shorter output. */
function displayPath(path: string): string {
  const inside = relative(paths.repoRoot, path);
  return inside.startsWith("..") || isAbsolute(inside) ? path : inside;
}

async function isPortFree(candidate: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(candidate, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}
