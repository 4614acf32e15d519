import { createServer } from "node:http";
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { loadConfig } from "../../src/config/load.js";
import { INSTANCE_ID_FILE_NAME, TOKEN_FILE_NAME, withEnrollment } from "../../src/enroll/index.js";
import { createRootLogger } from "../../src/log/logger.js";

const KEY = "cce_enrollment-key-for-tests-0123456789abcdef";
const TOKEN = "cct_reporter-token-from-the-fake-edge-0123456789";
const log = createRootLogger({ level: "silent" });

type Seen = { authorization: string | undefined; body: unknown };

/** Starts a stand-in for the edge's `POST /api/enroll` on 127.0.0.1 that records each call. */
async function startFakeEdge(status = 201): Promise<{ url: string; calls: Seen[]; server: Server }> {
  const calls: Seen[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => {
      calls.push({ authorization: request.headers.authorization, body: JSON.parse(text) as unknown });
      response.writeHead(status, { "Content-Type": "application/json" });
      response.end(
        status === 201
          ? JSON.stringify({ instance_id: "rental-abc123", name: "rental", token: TOKEN, replaced: false })
          : JSON.stringify({ error: { code: "unauthorized", message: "unknown or revoked enrollment key" } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, server };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function setup(status?: number): Promise<{ edge: Awaited<ReturnType<typeof startFakeEdge>>; stateDir: string }> {
  const edge = await startFakeEdge(status);
  const stateDir = await mkdtemp(join(tmpdir(), "cc-enroll-"));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => edge.server.close(() => resolve()));
    await rm(stateDir, { recursive: true, force: true });
  });
  return { edge, stateDir };
}

describe("enrollment", () => {
  it("trades the key for a token and points the config at it", async () => {
    const { edge, stateDir } = await setup();

    const env = await withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, INSTANCE_NAME: "rental", COMFYCARRY_STATE_DIR: stateDir }, log);
    const config = loadConfig({ env });

    expect(config.instanceId).toBe("rental-abc123");
    expect(config.token).toBe(TOKEN);
  });

  it("sends the key as Bearer and the name in the body", async () => {
    const { edge, stateDir } = await setup();

    await withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, INSTANCE_NAME: "rental", COMFYCARRY_STATE_DIR: stateDir }, log);

    expect(edge.calls[0]?.authorization).toBe(`Bearer ${KEY}`);
    expect(edge.calls[0]?.body).toMatchObject({ name: "rental", host: { platform: process.platform } });
  });

  it("stores the token and id with mode 0600", async () => {
    const { edge, stateDir } = await setup();

    await withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, COMFYCARRY_STATE_DIR: stateDir }, log);

    expect((await stat(join(stateDir, TOKEN_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect((await stat(join(stateDir, INSTANCE_ID_FILE_NAME))).mode & 0o777).toBe(0o600);
  });

  it("reuses the stored token on a restart without asking the edge", async () => {
    const { edge, stateDir } = await setup();
    const settings = { EDGE_URL: edge.url, ENROLL_KEY: KEY, COMFYCARRY_STATE_DIR: stateDir };
    await withEnrollment(settings, log);

    const again = await withEnrollment(settings, log);

    expect(edge.calls).toHaveLength(1);
    expect(again.COMFYCARRY_INSTANCE_ID).toBe("rental-abc123");
  });

  it("leaves a directly configured token alone", async () => {
    const { edge, stateDir } = await setup();
    const settings = { EDGE_URL: edge.url, ENROLL_KEY: KEY, COMFYCARRY_STATE_DIR: stateDir, COMFYCARRY_INSTANCE_TOKEN: "tok_direct_0123456789abcdef" };

    expect(await withEnrollment(settings, log)).toBe(settings);
    expect(edge.calls).toHaveLength(0);
  });

  it("reports a refused key as unauthorized without echoing it", async () => {
    const { edge, stateDir } = await setup(401);

    const attempt = withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, COMFYCARRY_STATE_DIR: stateDir }, log);

    await expect(attempt).rejects.toMatchObject({ code: "unauthorized" });
    await expect(attempt).rejects.not.toThrow(KEY);
  });

  it("refuses an empty-looking instance name before calling the edge", async () => {
    const { edge, stateDir } = await setup();

    const attempt = withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, INSTANCE_NAME: "   ", COMFYCARRY_STATE_DIR: stateDir }, log);

    await expect(attempt).rejects.toThrow("INSTANCE_NAME is invalid");
    expect(edge.calls).toHaveLength(0);
  });

  it("asks for EDGE_URL when only the key is set", async () => {
    await expect(withEnrollment({ ENROLL_KEY: KEY }, log)).rejects.toThrow("EDGE_URL is not");
  });

  it("explains an edge that cannot be reached", async () => {
    const { edge, stateDir } = await setup();
    await new Promise<void>((resolve) => edge.server.close(() => resolve()));

    await expect(withEnrollment({ EDGE_URL: edge.url, ENROLL_KEY: KEY, COMFYCARRY_STATE_DIR: stateDir }, log)).rejects.toThrow("check EDGE_URL");
  });
});
