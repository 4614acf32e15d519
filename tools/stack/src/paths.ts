import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute paths of the repository parts the stack starts. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const paths = {
  repoRoot,
  wranglerToml: join(repoRoot, "wrangler.toml"),
  simulatorEntry: join(repoRoot, "tools/comfyui-sim/dist/main.mjs"),
  reporterEntry: join(repoRoot, "reporter/dist/reporter.mjs"),
  fakeNvidiaSmiBin: join(repoRoot, "tools/fake-nvidia-smi/bin"),
  presetsDir: join(repoRoot, "tools/fake-nvidia-smi/presets"),
  webDist: join(repoRoot, "web/dist"),
};

const requireFromEdge = createRequire(join(repoRoot, "edge/package.json"));
const requireFromStack = createRequire(join(repoRoot, "tools/stack/package.json"));

/** Returns the JS entry of wrangler's CLI as installed for the edge workspace. */
export function wranglerCli(): string {
  return join(dirname(requireFromEdge.resolve("wrangler/package.json")), "bin/wrangler.js");
}

/** Returns the JS entry of PM2's CLI. */
export function pm2Cli(): string {
  return join(dirname(requireFromStack.resolve("pm2/package.json")), "bin/pm2");
}
