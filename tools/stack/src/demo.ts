import { join } from "node:path";
import { parseArgs } from "node:util";

import { startModelHosts } from "./model-hosts.js";
import { paths } from "./paths.js";
import { findFreePort } from "./ports.js";
import { Stack } from "./stack.js";
import { startWorkload } from "./workload.js";

const usage = `Usage: npm run demo -- [--port N] [--preset NAME] [--no-workload]
  --port N        edge port (default 8787, or a free port if it is taken)
  --preset NAME   GPU preset of the fake nvidia-smi: h100, rtx4090x2, na-power, nvml-failure (default h100)
  --no-workload   do not queue a sample prompt every 30 s`;

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    preset: { type: "string", default: "h100" },
    "no-workload": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const requestedPort = values.port === undefined ? 8787 : Number(values.port);
if (!Number.isInteger(requestedPort) || requestedPort < 1 || requestedPort > 65535) {
  console.error(`--port must be a TCP port between 1 and 65535, got "${values.port ?? ""}".`);
  process.exit(2);
}
const port = (await isPortFree(requestedPort)) ? requestedPort : await findFreePort();

console.log("[comfycarry] starting the local edge (wrangler dev), the ComfyUI simulator and the reporter…");
// Loopback fakes of CivitAI and Hugging Face, so the Models page can search and download offline.
const modelHosts = await startModelHosts();
const stack = await Stack.start({
  reporterEnv: modelHosts.env,
  stateDir: join(paths.repoRoot, ".state/demo"),
  edgePort: port,
  preset: values.preset,
  reuseState: true,
  instanceName: "demo",
  // A local-disk rclone remote with an "outputs → remote" watch rule, so the demo shows live sync.
  sync: { seedRemote: true, outputsRule: true },
  // ComfyUI as a git checkout started the way the reporter defines it, so the ComfyUI page's
  // launch options, versions and log view work as they do on a rented container.
  comfyuiCheckout: {},
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

  State: .state/demo (edge storage, PM2_HOME, logs). Press Ctrl-C to stop.
`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  console.log("[comfycarry] stopping…");
  stopWorkload();
  await stack.stop();
  await modelHosts.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());

async function isPortFree(candidate: number): Promise<boolean> {
  const { createServer } = await import("node:net");
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once("error", () => resolveFree(false));
    server.listen(candidate, "127.0.0.1", () => server.close(() => resolveFree(true)));
  });
}
