// Deploys the edge to Cloudflare and makes sure its secrets exist first:
//   SESSION_SECRET and SECRETS_KEY are generated when missing (never replaced: a new
//   SECRETS_KEY would make every stored secret unreadable);
//   without DASHBOARD_PASSWORD, a one-time SETUP_CODE is generated and printed for the
//   first-run page.
//
//   node edge/scripts/deploy.mjs                   deploy; generate what is missing
//   node edge/scripts/deploy.mjs --reset-password  also set a new random DASHBOARD_PASSWORD and print it
//   node edge/scripts/deploy.mjs --setup-code      also issue a fresh SETUP_CODE
//   node edge/scripts/deploy.mjs --first-deploy    the Worker does not exist yet, so it has no secrets to list
//   node edge/scripts/deploy.mjs --dry-run         print the wrangler commands instead of running them
//
// Secrets reach wrangler on stdin, never on a command line another user could read.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { ensureAssets } from "./ensure-assets.mjs";

const GENERATED_KEYS = ["SESSION_SECRET", "SECRETS_KEY"];
const KNOWN_FLAGS = new Set(["--dry-run", "--first-deploy", "--reset-password", "--setup-code"]);

const flags = new Set(process.argv.slice(2));
for (const flag of flags) {
  if (!KNOWN_FLAGS.has(flag)) {
    console.error(`deploy: unknown option ${flag}; use ${[...KNOWN_FLAGS].join(", ")}`);
    process.exit(2);
  }
}
const dryRun = flags.has("--dry-run");

const wranglerToml = fileURLToPath(new URL("../../wrangler.toml", import.meta.url));
const wranglerBin = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");

/** Returns a random secret of `bytes` bytes as base64url. */
function generate(bytes) {
  return randomBytes(bytes).toString("base64url");
}

/** Returns a setup code people can type: five groups of four characters without look-alikes. */
function setupCode() {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const picks = [...randomBytes(20)].map((byte) => alphabet[byte % alphabet.length]);
  return [0, 4, 8, 12, 16].map((start) => picks.slice(start, start + 4).join("")).join("-");
}

/** Runs wrangler with `args`, feeding `input` on stdin; in a dry run only prints the command. */
function wrangler(args, input) {
  const shown = `wrangler ${args.join(" ")}${input === undefined ? "" : " < (value on stdin)"}`;
  if (dryRun) {
    console.log(`dry run: ${shown}`);
    return "";
  }
  const result = spawnSync(process.execPath, [wranglerBin, ...args], { input, encoding: "utf8", stdio: [input === undefined ? "inherit" : "pipe", "pipe", "inherit"] });
  if (result.status !== 0) {
    console.error(`deploy: ${shown} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

/**
 * Names of the secrets the deployed Worker already has; none on a first deploy or a dry run.
 * A failed listing stops the deploy: guessing "none" would replace SECRETS_KEY and lose every stored secret.
 */
function existingSecrets() {
  if (dryRun || flags.has("--first-deploy")) {
    return new Set();
  }
  const result = spawnSync(process.execPath, [wranglerBin, "secret", "list", "--config", wranglerToml, "--format", "json"], { encoding: "utf8" });
  if (result.status !== 0) {
    console.error(`deploy: could not list the Worker's secrets:\n${result.stderr.slice(-1000)}`);
    console.error("deploy: log in with `npx -w edge wrangler login`; if the Worker was never deployed, run again with --first-deploy");
    process.exit(1);
  }
  const listed = JSON.parse(result.stdout.slice(result.stdout.indexOf("[")));
  return new Set(listed.map((entry) => entry.name));
}

function putSecret(name, value) {
  wrangler(["secret", "put", name, "--config", wranglerToml], value);
}

ensureAssets();
const existing = existingSecrets();

for (const name of GENERATED_KEYS) {
  if (!existing.has(name)) {
    putSecret(name, generate(32));
    console.log(`deploy: generated ${name}`);
  }
}

if (flags.has("--reset-password")) {
  const password = generate(15);
  putSecret("DASHBOARD_PASSWORD", password);
  console.log(`deploy: new owner password (shown once; every session ends at the next login): ${password}`);
} else if (!existing.has("DASHBOARD_PASSWORD") && (flags.has("--setup-code") || !existing.has("SETUP_CODE"))) {
  const code = setupCode();
  putSecret("SETUP_CODE", code);
  console.log(`deploy: first-run setup code (shown once): ${code}`);
  console.log("deploy: open the dashboard, enter this code and choose the owner password");
}

wrangler(["deploy", "--config", wranglerToml]);
