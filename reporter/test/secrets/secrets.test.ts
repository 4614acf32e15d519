import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { EdgeLink } from "../../src/link/edge-link.js";
import { helloBuilder } from "../../src/link/hello.js";
import { createRootLogger } from "../../src/log/logger.js";
import { TokenFiles, afterSyncStart, createSecretsHandlers, heldSecretsBuilder } from "../../src/secrets/index.js";
import { unavailableSyncHandlers } from "../../src/sync/handlers.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { startService } from "../sync/service-helpers.js";
import { memoryLogger } from "../sync/helpers.js";

const log = createRootLogger({ level: "silent" });
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

const HF = "hf_test_token_0123456789abcdefghijklmn";
const CIVITAI = "civitai_test_token_9876543210";

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reporter-secrets-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const context = { signal: new AbortController().signal, log };

describe("token files", () => {
  it("keep a token in a file with mode 0600", async () => {
    const dir = await stateDir();
    const tokens = await TokenFiles.open(dir, log);

    await tokens.set("hf_token", HF);

    expect((await stat(join(dir, "secrets", "hf_token"))).mode & 0o777).toBe(0o600);
  });

  it("keep their folder at mode 0700", async () => {
    const dir = await stateDir();

    await TokenFiles.open(dir, log);

    expect((await stat(join(dir, "secrets"))).mode & 0o777).toBe(0o700);
  });

  it("survive a restart", async () => {
    const dir = await stateDir();
    await (await TokenFiles.open(dir, log)).set("civitai_token", CIVITAI);

    const reopened = await TokenFiles.open(dir, log);

    expect(reopened.get("civitai_token")).toBe(CIVITAI);
  });

  it("are gone from disk once cleared", async () => {
    const dir = await stateDir();
    const tokens = await TokenFiles.open(dir, log);
    await tokens.set("hf_token", HF);

    await tokens.clear("hf_token");

    await expect(readFile(join(dir, "secrets", "hf_token"), "utf8")).rejects.toThrow("ENOENT");
  });

  it("report the digest of each held token", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);
    await tokens.set("hf_token", HF);

    expect(tokens.digests()).toEqual({ hf_token: sha256(HF) });
  });

  it("show only which tokens are held when logged", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);
    await tokens.set("hf_token", HF);

    expect(JSON.stringify({ tokens })).toBe('{"tokens":{"civitai_token":"unset","hf_token":"set","cloudflare_token":"unset"}}');
  });

  it("never write a value to the log", async () => {
    const memory = memoryLogger();
    const tokens = await TokenFiles.open(await stateDir(), memory.log);
    await tokens.set("hf_token", HF);
    await tokens.clear("hf_token");

    expect(memory.text()).not.toContain(HF);
  });
});

describe("token source for downloads", () => {
  it("answers with the edge's token", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);
    await tokens.set("civitai_token", CIVITAI);

    expect(tokens.tokenSource({ get: () => "from-env" }).get("civitai")).toBe(CIVITAI);
  });

  it("falls back for a host the edge holds no token for", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);

    expect(tokens.tokenSource({ get: (kind) => (kind === "huggingface" ? "from-env" : null) }).get("huggingface")).toBe("from-env");
  });

  it("follows a token set after it was handed out", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);
    const source = tokens.tokenSource();

    await tokens.set("hf_token", HF);

    expect(source.get("huggingface")).toBe(HF);
  });
});

describe("secrets commands", () => {
  it("set answers with the token's digest", async () => {
    const handlers = createSecretsHandlers(await TokenFiles.open(await stateDir(), log));

    expect(await handlers["secrets.set"]({ name: "hf_token", value: HF }, context)).toEqual({ name: "hf_token", sha256: sha256(HF) });
  });

  it("tell listeners about set and clear", async () => {
    const changes: Array<[string, string | null]> = [];
    const handlers = createSecretsHandlers(await TokenFiles.open(await stateDir(), log), (name, value) => changes.push([name, value]));

    await handlers["secrets.set"]({ name: "civitai_token", value: "civitai-secret-1" }, context);
    await handlers["secrets.clear"]({ name: "civitai_token" }, context);

    expect(changes).toEqual([
      ["civitai_token", "civitai-secret-1"],
      ["civitai_token", null],
    ]);
  });

  it("clear says whether a token was held", async () => {
    const handlers = createSecretsHandlers(await TokenFiles.open(await stateDir(), log));

    expect(await handlers["secrets.clear"]({ name: "civitai_token" }, context)).toEqual({ name: "civitai_token", cleared: false });
  });
});

describe("held secrets in hello", () => {
  it("leave rclone.conf out when sync is off", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);

    expect(await heldSecretsBuilder(tokens, null, log)()).toEqual({ tokens: {} });
  });

  it("report rclone.conf by digest", async () => {
    const fixture = await startService({});
    cleanups.push(() => fixture.close());
    await fixture.run("sync.config.set", { rclone_conf: "[disk]\ntype = alias\nremote = /tmp\n", mode: "replace" });

    const held = await heldSecretsBuilder(await TokenFiles.open(fixture.stateDir, log), fixture.service, log)();

    expect(held.rclone_conf).toEqual({ sha256: sha256("[disk]\ntype = alias\nremote = /tmp\n"), unsent: false });
  });

  it("flag an rclone.conf change that has not reached the edge", async () => {
    const fixture = await startService({});
    cleanups.push(() => fixture.close());
    fixture.channel.supported = false;
    await fixture.run("sync.config.set", { rclone_conf: "[disk]\ntype = alias\nremote = /tmp\n", mode: "replace" });

    const held = await heldSecretsBuilder(await TokenFiles.open(fixture.stateDir, log), fixture.service, log)();

    expect(held.rclone_conf?.unsent).toBe(true);
  });

  it("reach the edge in the hello frame", async () => {
    const tokens = await TokenFiles.open(await stateDir(), log);
    await tokens.set("civitai_token", CIVITAI);
    const edge = await FakeEdge.start({ welcomeViewers: null });
    cleanups.push(() => edge.close());
    const link = new EdgeLink({
      url: edge.url,
      token: "t".repeat(32),
      log,
      hello: helloBuilder("secrets-test", "test", { current: () => ({ gpus: [], gpu_error: null }) }, heldSecretsBuilder(tokens, null, log)),
      snapshot: () => Promise.resolve(null),
      commands: { execute: () => Promise.resolve({ ok: true, data: {} }) },
    });
    cleanups.push(() => link.stop());

    link.start();
    await waitFor("the hello", () => edge.framesOf("hello").length > 0);

    expect(edge.framesOf("hello")[0]?.secrets).toEqual({ tokens: { civitai_token: sha256(CIVITAI) } });
  });
});

describe("rclone.conf from the edge", () => {
  it("waits for cloud sync to start", async () => {
    const order: string[] = [];
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    const handlers = afterSyncStart(
      {
        ...unavailableSyncHandlers(),
        "sync.config.set": () => {
          order.push("set");
          return Promise.resolve({ remotes: [], sha256: "0".repeat(64) });
        },
      },
      started,
    );

    const setting = handlers["sync.config.set"]({ rclone_conf: "[a]\ntype = alias\n", mode: "replace" }, context);
    await new Promise((resolve) => setTimeout(resolve, 50));
    order.push("started");
    markStarted();
    await setting;

    expect(order).toEqual(["started", "set"]);
  });
});
