// Starts `wrangler dev` for the repo's wrangler.toml, with local Durable Object state under
// .state/wrangler and secrets from edge/.dev.vars when that file exists. Extra arguments go
// to wrangler, e.g. `npm run dev -w edge -- --port 8788`.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ensureAssets } from "./ensure-assets.mjs";

const repoPath = (relative) => fileURLToPath(new URL(`../../${relative}`, import.meta.url));
const devVars = fileURLToPath(new URL("../.dev.vars", import.meta.url));

ensureAssets();

const args = ["dev", "--config", repoPath("wrangler.toml"), "--persist-to", repoPath(".state/wrangler"), "--ip", "127.0.0.1"];
if (existsSync(devVars)) {
  args.push("--env-file", devVars);
} else {
  console.warn(`dev: ${devVars} does not exist, so DASHBOARD_PASSWORD and SESSION_SECRET are unset and login will fail`);
}
args.push(...process.argv.slice(2));

// wrangler's `exports` hide bin/, so the binary is found beside its package.json.
const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
const wranglerBin = join(dirname(wranglerPackage), "bin", "wrangler.js");
const child = spawn(process.execPath, [wranglerBin, ...args], {
  stdio: "inherit",
  // Keep local dev off the network: no `Request.cf` download and no telemetry.
  env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128));
});
