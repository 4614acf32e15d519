import { stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";

import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { REMOTE_PASSWORD, obscure, startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { testRemote } from "../../src/sync/remotes/remotes.js";
import type { ConfigChange } from "../../src/sync/index.js";
import { startEngine } from "./helpers.js";
import type { EngineFixture } from "./helpers.js";

let remotes: RcloneRemotes;
let fixture: EngineFixture;
let silent: Server;
let closedPort: number;
const changes: ConfigChange[] = [];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : 0);
    });
  });
}

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  fixture = await startEngine(remotes, {}, { onConfigChanged: (change) => changes.push(change) });
  // A server that accepts connections and never responds, for the time-limit case.
  silent = createServer(() => undefined);
  await listen(silent);
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
}, 60_000);

afterAll(async () => {
  silent.close();
  await fixture.close();
  await remotes.close();
});

/** Writes an extra rclone.conf with broken remotes next to the good one. */
async function brokenConfig(): Promise<string> {
  const silentAddress = silent.address();
  const silentPort = typeof silentAddress === "object" && silentAddress !== null ? silentAddress.port : 0;
  const wrongPass = await obscure("rclone", "wrong password");
  const path = join(remotes.dir, "broken.conf");
  await writeFile(
    path,
    [
      "[badpass]",
      "type = webdav",
      `url = http://127.0.0.1:${remotes.webdav.port}/`,
      "vendor = other",
      "user = carry",
      `pass = ${wrongPass}`,
      "[closed]",
      "type = webdav",
      `url = http://127.0.0.1:${closedPort}/`,
      "vendor = other",
      "[silent]",
      "type = webdav",
      `url = http://127.0.0.1:${silentPort}/`,
      "vendor = other",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  return path;
}

describe("remotes", () => {
  it("lists remotes with their types", async () => {
    const listed = await fixture.engine.listRemotes();
    expect(listed).toEqual([
      { name: "disk", type: "alias" },
      { name: "sf", type: "sftp" },
      { name: "wd", type: "webdav" },
    ]);
  });

  it("tests a working remote", async () => {
    const result = await fixture.engine.testRemote("sf");
    expect(result.ok).toBe(true);
  });

  it("reports an unknown remote", async () => {
    const result = await fixture.engine.testRemote("nowhere");
    expect(result.failure?.code).toBe("unknown_remote");
  });

  it.each([
    ["badpass", "auth_failed"],
    ["closed", "unreachable"],
    ["silent", "timed_out"],
  ])("classifies %s as %s", async (remote, code) => {
    const configPath = await brokenConfig();
    const result = await testRemote({ binary: "rclone", configPath, cacheDir: remotes.cacheDir }, remote, 3_000);
    expect(result.failure?.code).toBe(code);
  });

  it("rejects a rule on a remote missing from rclone.conf", async () => {
    const created = fixture.engine.createRule({ name: "x", local_path: "x", remote: "nowhere", remote_path: "x", direction: "push" });
    await expect(created).rejects.toMatchObject({ params: { field: "remote", reason: "unknown_remote" } });
  });
});

describe("rclone.conf", () => {
  it("reports a config rewritten by rclone once", async () => {
    // `rclone config update` rewrites the file the way a token refresh does.
    await execa("rclone", ["config", "update", "sf", "description", "refreshed"], { env: remotes.env });
    const rule = await fixture.engine.createRule({ name: "conf", local_path: "conf", remote: "sf", remote_path: "conf", direction: "pull" });
    await fixture.engine.runRule(rule.id);
    await fixture.engine.runRule(rule.id);

    expect(changes).toHaveLength(1);
    expect(changes[0]?.content).toContain("refreshed");
  });

  it("does not report a config written from the edge", async () => {
    const before = changes.length;
    await fixture.engine.setConfig(`${remotes.config}\n# from the edge\n`);
    await fixture.engine.testRemote("sf");
    expect(changes).toHaveLength(before);
  });

  it("keeps rclone.conf private to its owner", async () => {
    await fixture.engine.setConfig(remotes.config);
    expect((await stat(remotes.configPath)).mode & 0o777).toBe(0o600);
  });

  it("keeps passwords out of the logs", async () => {
    const obscured = /pass = (\S+)/.exec(remotes.config)?.[1] ?? "missing";
    expect(fixture.logText()).not.toContain(REMOTE_PASSWORD);
    expect(fixture.logText()).not.toContain(obscured);
  });
});
