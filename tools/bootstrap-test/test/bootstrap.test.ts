import { createHash } from "node:crypto";
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

import { secretListSchema } from "@comfycarry/shared";
import { EdgeClient, Pm2Cli, findFreePort, paths, repoRoot, waitFor } from "@comfycarry/stack";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startEdge } from "../../stack/src/edge.js";
import type { LocalEdge } from "../../stack/src/edge.js";
import { publishReporter } from "../publish-reporter.mjs";

const PASSWORD = "bootstrap test password 0123";
const CIVITAI_TOKEN = "civitai-bootstrap-secret-4f1c9a";
const HF_TOKEN = "hf_bootstrap_secret_8d2e7b";
const RCLONE_CONF = "[local-backup]\ntype = local\n";
const REPORTER = "comfycarry-reporter";

let scratch = "";
let root = "";
let edge: LocalEdge | null = null;
let pm2: Pm2Cli | null = null;
let env: Record<string, string> = {};
const client = { current: null as EdgeClient | null };

/** Runs bootstrap.sh with the test environment and returns its exit code and output. */
async function runBootstrap(): Promise<{ exitCode: number | undefined; output: string }> {
  const result = await execa("bash", [join(repoRoot, "bootstrap.sh")], { env, extendEnv: false, reject: false, all: true, timeout: 240_000 });
  return { exitCode: result.exitCode, output: result.all ?? "" };
}

/** Returns whether a path under the workspace belongs to the running reporter, which keeps writing its own state. */
function reporterOwned(path: string): boolean {
  const state = "workspace/.comfycarry/";
  if (!path.startsWith(state)) {
    return false;
  }
  const inner = path.slice(state.length);
  return !(inner === "" || inner.startsWith("bootstrap/") || inner === "instance-id" || inner === "instance-token");
}

/** Hashes every file under the scratch root (path, mode, size, mtime and content), except the log and the reporter's state. */
async function treeHash(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const path = relative(root, full);
      if (path === "workspace/comfycarry-bootstrap.log" || reporterOwned(entry.isDirectory() ? `${path}/` : path)) {
        continue;
      }
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      const stats = await lstat(full);
      const content = entry.isFile() ? createHash("sha256").update(await readFile(full)).digest("hex") : "";
      files.set(path, `${stats.mode}:${stats.size}:${stats.mtimeMs}:${content}`);
    }
  }
  await walk(root);
  return files;
}

async function enrollmentKey(edgeUrl: string, cookie: string): Promise<string> {
  const response = await fetch(`${edgeUrl}/api/enrollment-keys`, {
    method: "POST",
    headers: { cookie, origin: edgeUrl, "content-type": "application/json" },
    body: JSON.stringify({ name: "bootstrap test" }),
  });
  if (!response.ok) {
    throw new Error(`creating an enrollment key failed with HTTP ${response.status}: ${await response.text()}`);
  }
  return ((await response.json()) as { key: string }).key;
}

/** Builds the local stand-ins for nodejs.org and downloads.rclone.org: an uncompressed Node tarball and an rclone zip. */
async function localDownloads(): Promise<{ nodeUrl: string; rcloneUrl: string }> {
  const dist = join(scratch, "dist");
  const nodeDir = join(dist, "node-v22.99.0-linux-x64", "bin");
  await mkdir(nodeDir, { recursive: true });
  await copyFile(join(repoRoot, "node_modules/node/bin/node"), join(nodeDir, "node"));
  await execa("tar", ["-cf", join(dist, "node.tar"), "-C", dist, "node-v22.99.0-linux-x64"]);

  const rcloneDir = join(dist, "rclone-v1.68.2-linux-amd64");
  await mkdir(rcloneDir, { recursive: true });
  const systemRclone = (await execa("bash", ["-c", "command -v rclone"])).stdout.trim();
  await copyFile(systemRclone, join(rcloneDir, "rclone"));
  await execa("zip", ["-q", "-0", "-r", join(dist, "rclone.zip"), "rclone-v1.68.2-linux-amd64"], { cwd: dist });
  return { nodeUrl: `file://${join(dist, "node.tar")}`, rcloneUrl: `file://${join(dist, "rclone.zip")}` };
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cc-bootstrap-"));
  root = join(scratch, "root");
  await mkdir(join(root, "workspace"), { recursive: true });
  await publishReporter();

  edge = await startEdge({
    stateDir: join(scratch, "edge"),
    port: await findFreePort(),
    secrets: { DASHBOARD_PASSWORD: PASSWORD, SESSION_SECRET: "bootstrap-session-secret-0123456789", SECRETS_KEY: "bootstrap-secrets-key-0123456789abcdef" },
  });
  const edgeClient = new EdgeClient(edge.url);
  await edgeClient.login(PASSWORD);
  client.current = edgeClient;
  const key = await enrollmentKey(edge.url, edgeClient.sessionCookie ?? "");

  // Only PM2 comes from the host; Node 22 and rclone are installed by the script from local files.
  const hostBin = join(scratch, "host-bin");
  await mkdir(hostBin);
  await symlink(join(paths.repoRoot, "node_modules/pm2/bin/pm2"), join(hostBin, "pm2"));
  const downloads = await localDownloads();
  pm2 = new Pm2Cli(join(scratch, "pm2"));
  env = {
    PATH: `${hostBin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    HOME: join(scratch, "home"),
    PM2_HOME: join(scratch, "pm2"),
    EDGE_URL: edge.url,
    ENROLL_KEY: key,
    INSTANCE_NAME: "bootstrap scratch",
    WORKSPACE_DIR: join(root, "workspace"),
    COMFYCARRY_TOOLS_DIR: join(root, "tools"),
    NODE_DIST_URL: downloads.nodeUrl,
    RCLONE_URL: downloads.rcloneUrl,
    // The host's rclone is 1.60; asking for 1.66 makes the script install the local "release".
    RCLONE_MIN_VERSION: "1.66.0",
    CIVITAI_TOKEN,
    HF_TOKEN,
    RCLONE_CONF_BASE64: Buffer.from(RCLONE_CONF).toString("base64"),
    HF_ENDPOINT: "https://hf-mirror.example",
    DASHBOARD_PASSWORD: "not used on the instance",
    COMFYCARRY_SYNC: "0",
    // No package registry is reachable in tests, so the reporter's native packages come from the repo.
    COMFYCARRY_REPORTER_MODULES: join(paths.repoRoot, "node_modules"),
  };
});

afterAll(async () => {
  await pm2?.kill();
  await edge?.stop();
  // BOOTSTRAP_TEST_KEEP=1 keeps the scratch root (logs, PM2 home) for a look after a failure.
  if (scratch !== "" && process.env["BOOTSTRAP_TEST_KEEP"] !== "1") {
    await rm(scratch, { recursive: true, force: true });
  }
});

describe("bootstrap.sh", () => {
  let firstPid = 0;
  let firstRestarts = 0;

  it("starts the reporter on the first run", async () => {
    const { exitCode, output } = await runBootstrap();

    expect(exitCode, output).toBe(0);
    const reporter = await pm2?.find(REPORTER);
    expect(reporter?.status).toBe("online");
    firstPid = reporter?.pid ?? 0;
    firstRestarts = reporter?.restarts ?? 0;
  });

  it("installs Node 22 and rclone from the given URLs", async () => {
    const node = await execa(join(root, "tools/node/bin/node"), ["--version"]);

    expect(node.stdout).toMatch(/^v22\./);
    expect((await lstat(join(root, "tools/bin/rclone"))).isFile()).toBe(true);
  });

  it("enrolls and connects the instance", async () => {
    const edgeClient = client.current;
    expect(edgeClient).not.toBeNull();

    await waitFor("the bootstrapped instance to come online", async () => (await edgeClient?.instances())?.some((item) => item.name === "bootstrap scratch" && item.online) ?? false, 90_000, 500);
  });

  it("hands the tokens to the edge", async () => {
    const response = await fetch(`${edge?.url}/api/secrets`, { headers: { cookie: client.current?.sessionCookie ?? "" } });
    const { secrets } = secretListSchema.parse(await response.json());
    const stored = new Map(secrets.map((secret) => [secret.name, secret.set]));

    expect(stored.get("civitai_token")).toBe(true);
    expect(stored.get("hf_token")).toBe(true);
    expect(stored.get("rclone_conf")).toBe(true);
  });

  it("keeps tokens out of PM2 and the log", async () => {
    const jlist = (await execa(join(paths.repoRoot, "node_modules/.bin/pm2"), ["jlist"], { env: { ...process.env, PM2_HOME: join(scratch, "pm2") } })).stdout;
    const log = await readFile(join(root, "workspace/comfycarry-bootstrap.log"), "utf8");

    for (const secret of [CIVITAI_TOKEN, HF_TOKEN, env["RCLONE_CONF_BASE64"] ?? ""]) {
      expect(jlist).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it("logs why DASHBOARD_PASSWORD is ignored", async () => {
    const log = await readFile(join(root, "workspace/comfycarry-bootstrap.log"), "utf8");

    expect(log).toContain("DASHBOARD_PASSWORD is ignored");
  });

  it("changes no file on a second run", async () => {
    const before = await treeHash();
    const logBefore = await readFile(join(root, "workspace/comfycarry-bootstrap.log"), "utf8");

    const { exitCode, output } = await runBootstrap();
    const after = await treeHash();
    const logAfter = await readFile(join(root, "workspace/comfycarry-bootstrap.log"), "utf8");

    expect(exitCode, output).toBe(0);
    expect([...after.entries()].filter(([path, digest]) => before.get(path) !== digest).map(([path]) => path)).toEqual([]);
    expect([...before.keys()].filter((path) => !after.has(path))).toEqual([]);
    expect(before.size).toBeGreaterThan(3);
    expect(logAfter.length).toBeGreaterThan(logBefore.length);
  });

  it("starts no second process on a second run", async () => {
    const all = (await pm2?.list()) ?? [];
    const reporters = all.filter((item) => item.name === REPORTER);

    expect(reporters).toHaveLength(1);
    expect(reporters[0]?.pid).toBe(firstPid);
    expect(reporters[0]?.restarts).toBe(firstRestarts);
  });
  it("refreshes the bundle from the edge on restart", async () => {
    // The edge starts offering a changed bundle, as after an upgrade; PM2's restart runs the launcher again.
    const published = join(repoRoot, "web/dist/reporter");
    const bundle = Buffer.concat([await readFile(join(published, "reporter.mjs")), Buffer.from("\n// a newer build\n")]);
    const sha256 = createHash("sha256").update(bundle).digest("hex");
    const manifest = JSON.parse(await readFile(join(published, "manifest.json"), "utf8")) as Record<string, unknown>;
    await writeFile(join(published, "reporter.mjs"), bundle);
    await writeFile(join(published, "manifest.json"), JSON.stringify({ ...manifest, sha256 }));

    try {
      await pm2?.restart(REPORTER);
      const installed = join(root, "workspace/.comfycarry/bootstrap/reporter.mjs");
      await waitFor("the launcher to install the newer bundle", async () => createHash("sha256").update(await readFile(installed)).digest("hex") === sha256, 60_000, 500);
      await waitFor("the restarted reporter to run", async () => (await pm2?.find(REPORTER))?.status === "online", 30_000, 500);
    } finally {
      await publishReporter();
    }

    expect((await pm2?.find(REPORTER))?.status).toBe("online");
  });
});
