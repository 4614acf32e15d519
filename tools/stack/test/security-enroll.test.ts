import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { enrollmentKeyCreatedSchema } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EdgeClient, Pm2Cli, REPORTER_FATAL_EXIT_CODE, findFreePort, paths, waitFor } from "../src/index.js";
import { startEdge, type LocalEdge } from "../src/edge.js";

// Two "containers" run the same on-start line (EDGE_URL + ENROLL_KEY + INSTANCE_NAME): two
// real reporter processes under PM2, each with its own state dir. The newer one must take the
// instance over and the older one must stop for good.

const INSTANCE_NAME = "rental 4090";

let edge: LocalEdge;
let stateDir: string;
let pm2: Pm2Cli;
let client: EdgeClient;
let enrollKey: string;
let enrollKeyId: string;

beforeAll(async () => {
  const bundle = await readFile(paths.reporterEntry, "utf8").catch(() => "");
  if (!bundle.includes("ENROLL_KEY")) {
    throw new Error(`${paths.reporterEntry} has no enrollment support; run \`npm run build -w reporter\` first`);
  }

  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-enroll-"));
  const password = randomBytes(12).toString("base64url");
  edge = await startEdge({ stateDir, port: await findFreePort(), secrets: { DASHBOARD_PASSWORD: password, SESSION_SECRET: randomBytes(32).toString("base64url") } });
  pm2 = new Pm2Cli(join(stateDir, "pm2"));
  client = new EdgeClient(edge.url);
  await client.login(password);

  const response = await fetch(`${edge.url}/api/enrollment-keys`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: edge.url, cookie: client.sessionCookie ?? "" },
    body: JSON.stringify({ name: "on-start line" }),
  });
  const created = enrollmentKeyCreatedSchema.parse(await response.json());
  enrollKey = created.key;
  enrollKeyId = created.id;
}, 120_000);

afterAll(async () => {
  await pm2?.kill();
  await edge?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

/** Starts one "container": a reporter with the shared on-start variables and its own disk. */
async function startContainer(name: string, key = enrollKey, instanceName = INSTANCE_NAME): Promise<string> {
  const containerDir = join(stateDir, name);
  await mkdir(containerDir, { recursive: true });
  await pm2.start({
    name,
    script: paths.reporterEntry,
    args: [],
    cwd: containerDir,
    env: {
      PATH: `${paths.fakeNvidiaSmiBin}:${process.env.PATH ?? ""}`,
      FAKE_NVIDIA_SMI_PRESET: join(paths.presetsDir, "h100.json"),
      EDGE_URL: edge.url,
      ENROLL_KEY: key,
      INSTANCE_NAME: instanceName,
      WORKSPACE_DIR: containerDir,
      COMFYCARRY_STATE_DIR: join(containerDir, "state"),
      // Nothing listens here: the reporter must not reach any ComfyUI but its own.
      COMFYUI_URL: `http://127.0.0.1:${await findFreePort()}`,
      COMFYUI_SERVICE: "comfy",
      PM2_HOME: pm2.pm2Home,
      LOG_LEVEL: "info",
    },
    stopExitCodes: [REPORTER_FATAL_EXIT_CODE],
  });
  return containerDir;
}

/**
 * Whether PM2 holds `name` stopped: no process, and no restart coming. PM2 7 shows a process
 * that exited with a stop exit code as "waiting restart" when a restart delay is set, though
 * it never restarts it, so the pid and restart count are what tell.
 */
async function stoppedForGood(name: string, restarts: number): Promise<boolean> {
  const found = await pm2.find(name);
  return found !== undefined && found.pid === 0 && found.restarts === restarts && ["stopped", "waiting restart"].includes(found.status);
}

async function instancesNamed(): Promise<{ instance_id: string; online: boolean }[]> {
  return (await client.instances()).filter((instance) => instance.name === INSTANCE_NAME);
}

describe("enrollment with one on-start line in two containers", () => {
  let firstDir: string;

  beforeAll(async () => {
    firstDir = await startContainer("container-a");
    await waitFor("the first container online", async () => (await instancesNamed()).some((instance) => instance.online), 60_000);
    await startContainer("container-b");
    await waitFor("the first container stopped", () => stoppedForGood("container-a", 0), 60_000);
    await waitFor("the instance online again", async () => (await instancesNamed()).some((instance) => instance.online), 60_000);
  }, 180_000);

  it("leaves one instance with that name", async () => {
    expect(await instancesNamed()).toHaveLength(1);
  });

  it("keeps the newer reporter running", async () => {
    expect((await pm2.find("container-b"))?.status).toBe("online");
  });

  it("stops the older reporter without restarts", async () => {
    // Longer than PM2's restart delay (1 s), so a restart would have shown.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(await stoppedForGood("container-a", 0)).toBe(true);
  });

  it("stored the older container's token with mode 0600", async () => {
    expect((await stat(join(firstDir, "state", "instance-token"))).mode & 0o777).toBe(0o600);
  });

  it("keeps the older container out when it is restarted with its stored token", async () => {
    await pm2.restart("container-a");
    // An explicit restart does not count in PM2's restart_time, so the count stays 0.
    expect((await pm2.find("container-a"))?.status).toBe("online");
    await waitFor("the restarted first container to stop again", () => stoppedForGood("container-a", 0), 60_000);

    expect((await pm2.find("container-b"))?.status).toBe("online");
    expect((await instancesNamed())[0]?.online).toBe(true);
  });
});

describe("a revoked enrollment key", () => {
  it("enrolls nothing and its reporter stops", async () => {
    const revoke = await fetch(`${edge.url}/api/enrollment-keys/${enrollKeyId}`, { method: "DELETE", headers: { origin: edge.url, cookie: client.sessionCookie ?? "" } });
    expect(revoke.status).toBe(204);
    const before = (await client.instances()).length;

    await startContainer("container-c", enrollKey, "never enrolled");
    await waitFor("the third container to stop", () => stoppedForGood("container-c", 0), 60_000);

    expect((await client.instances()).length).toBe(before);
  });
});
