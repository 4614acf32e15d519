import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { ComfyCarryError } from "@comfycarry/shared";
import { execa } from "execa";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { Pm2Client } from "../../src/pm2/index.js";

const PM2_CLI = fileURLToPath(new URL("../../../node_modules/pm2/bin/pm2", import.meta.url));
const IDLE_SERVICE = fileURLToPath(new URL("../fixtures/idle-service.mjs", import.meta.url));
const SERVICE = "idle-test";

let pm2Home = "";
let client: Pm2Client;

/** Runs the PM2 CLI against this suite's own daemon; used only to set up processes. */
function pm2Cli(args: string[]): Promise<unknown> {
  return execa(process.execPath, [PM2_CLI, ...args], { env: { PM2_HOME: pm2Home } });
}

async function rejection(promise: Promise<unknown>): Promise<ComfyCarryError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ComfyCarryError)) {
    throw new Error(`expected a ComfyCarryError, got ${String(error)}`);
  }
  return error;
}

beforeAll(async () => {
  pm2Home = await mkdtemp(join(tmpdir(), "pm2-"));
  // The client never launches a daemon, so the CLI starts it with the service.
  await pm2Cli(["start", IDLE_SERVICE, "--name", SERVICE]);
  client = new Pm2Client({ logger: pino({ level: "silent" }), pm2Home });
  await client.connect();
});

afterAll(async () => {
  await client.close();
  await pm2Cli(["kill"]).catch(() => undefined);
  await rm(pm2Home, { recursive: true, force: true });
});

describe("Pm2Client", () => {
  it("lists the running service", async () => {
    const [service] = await client.list();

    expect(service?.name).toBe(SERVICE);
    expect(service?.status).toBe("online");
    expect(service?.pid).toBeTypeOf("number");
    expect(service?.started_at).toMatch(/Z$/);
    expect(service?.uptime_s).toBeGreaterThanOrEqual(0);
    expect(service?.restarts).toBe(0);
    expect(service?.memory_bytes).toBeGreaterThanOrEqual(0);
  });

  it("restart raises restarts by one", async () => {
    const [before] = await client.list();

    const after = await client.restart(SERVICE);

    expect(after.restarts).toBe((before?.restarts ?? Number.NaN) + 1);
    expect(after.status).toBe("online");
    expect(after.pid).not.toBe(before?.pid);
  });

  it("stop leaves the service stopped", async () => {
    const service = await client.stop(SERVICE);

    expect(service.status).toBe("stopped");
    expect(service.pid).toBeNull();
    expect(service.started_at).toBeNull();
  });

  it("start brings it back online", async () => {
    const stopped = (await client.list())[0];

    const service = await client.start(SERVICE);

    expect(service.status).toBe("online");
    expect(service.pid).toBeTypeOf("number");
    expect(service.restarts).toBe(stopped?.restarts);
  });

  it("start on an online service is a no-op", async () => {
    const [before] = await client.list();

    const after = await client.start(SERVICE);

    expect(after.pid).toBe(before?.pid);
  });

  it("rejects an unknown name", async () => {
    const error = await rejection(client.restart("no-such-service"));

    expect(error.code).toBe("service_not_found");
    expect(error.message).toContain('"no-such-service"');
    expect(error.message).toContain(SERVICE);
  });

  it("rejects a name that reads as a flag", async () => {
    const error = await rejection(client.stop("--all"));

    expect(error.code).toBe("invalid_arguments");
  });

  it("reports pm2_failed when no daemon runs for its PM2_HOME", async () => {
    const lonely = new Pm2Client({ logger: pino({ level: "silent" }), pm2Home: join(pm2Home, "no-daemon-here") });

    const error = await rejection(lonely.list());

    expect(error.code).toBe("pm2_failed");
  });

  it("reconnects after the daemon restarted", async () => {
    await pm2Cli(["kill"]);
    await pm2Cli(["start", IDLE_SERVICE, "--name", SERVICE]);

    const [service] = await client.list();

    expect(service?.status).toBe("online");
  });
});
