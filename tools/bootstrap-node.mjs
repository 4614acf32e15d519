// Makes sure dependencies are installed and then runs a TypeScript entry on the pinned
// Node 22. It runs on whatever `node` started it (Node 20 on a fresh machine), so it uses
// only APIs that Node 18 and later have.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

const pinnedNode = join(repoRoot, "node_modules/.bin/node");
const tsxCli = join(repoRoot, "node_modules/tsx/dist/cli.mjs");

/** Runs `npm install` when node_modules is missing or older than package-lock.json. */
export function ensureInstalled() {
  const marker = join(repoRoot, "node_modules/.package-lock.json");
  const lock = join(repoRoot, "package-lock.json");
  const stale = !existsSync(marker) || !existsSync(pinnedNode) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale) {
    return;
  }
  console.log("[comfycarry] installing npm dependencies (npm install)…");
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: repoRoot, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("[comfycarry] npm install failed; fix the error above and run the command again.");
    process.exit(result.status ?? 1);
  }
}

/** Runs an npm script with the pinned Node first on PATH; exits on failure. */
export function runNpmScript(script, args = []) {
  const result = spawnSync("npm", ["run", script, ...args], { cwd: repoRoot, stdio: "inherit", env: withPinnedNode(process.env) });
  if (result.status !== 0) {
    console.error(`[comfycarry] npm run ${script} failed.`);
    process.exit(result.status ?? 1);
  }
}

/** Returns `env` with node_modules/.bin first on PATH, so `node` is the pinned Node 22. */
export function withPinnedNode(env) {
  return { ...env, PATH: `${join(repoRoot, "node_modules/.bin")}:${env.PATH ?? ""}` };
}

/** Runs a TypeScript file with tsx on the pinned Node, forwarding signals, and exits with its code. */
export function execTypeScript(entry, args = []) {
  const child = spawn(pinnedNode, [tsxCli, join(repoRoot, entry), ...args], {
    cwd: repoRoot,
    stdio: "inherit",
    env: withPinnedNode(process.env),
  });
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 130)));
}
