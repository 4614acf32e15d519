import { afterEach, describe, expect, it } from "vitest";

import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";

import { EdgeLink } from "../../src/link/edge-link.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";

const log = createRootLogger({ level: "silent" });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const UPDATE = { name: "rclone_conf" as const, content: "[disk]\ntype = alias\n", sha256: "a".repeat(64) };

/** Connects a link to a fake edge whose welcome lists `features` (none when undefined). */
async function connect(features: string[] | undefined): Promise<{ edge: FakeEdge; link: EdgeLink }> {
  const edge = await FakeEdge.start({ welcomeViewers: null });
  cleanups.push(() => edge.close());
  const link = new EdgeLink({
    url: edge.url,
    token: "t".repeat(32),
    log,
    hello: () => ({
      type: "hello",
      protocol_version: PROTOCOL_VERSION,
      instance_id: "sync-test",
      reporter_version: "test",
      started_at: toUtcTimestamp(),
      host: { hostname: "h", platform: "linux", arch: "x64", node_version: "v22", cpu_model: "cpu", cpu_cores: 1, memory_total_bytes: 1, gpu_names: [] },
    }),
    snapshot: () => Promise.resolve(null),
    commands: { execute: () => Promise.resolve({ ok: true, data: {} }) },
  });
  cleanups.push(() => link.stop());
  const welcomed = new Promise<void>((resolve) => link.once("welcome", () => resolve()));
  link.start();

  await waitFor("the hello", () => edge.framesOf("hello").length > 0);
  edge.last.send({
    type: "welcome",
    protocol_version: PROTOCOL_VERSION,
    instance_id: "sync-test",
    viewers: 0,
    server_time: toUtcTimestamp(),
    ...(features === undefined ? {} : { features }),
  });
  await welcomed;
  return { edge, link };
}

describe("secret updates on the link", () => {
  it("reach an edge that lists secret_update", async () => {
    const { edge, link } = await connect(["secret_update"]);
    expect(await link.sendSecretUpdate(UPDATE)).toBe(true);
    await waitFor("the secret_update frame", () => edge.framesOf("secret_update").length === 1);
    expect(edge.framesOf("secret_update")[0]?.sha256).toBe(UPDATE.sha256);
  });

  it("are not sent to an edge without the feature", async () => {
    const { edge, link } = await connect(undefined);
    expect(await link.sendSecretUpdate(UPDATE)).toBe(false);
    expect(edge.last.invalid).toEqual([]);
  });
});
