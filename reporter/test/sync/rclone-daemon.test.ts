import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RcloneDaemon } from "../../src/sync/rclone/daemon.js";

describe("rclone daemon", () => {
  let root = "";
  let daemon: RcloneDaemon;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "rclone-daemon-"));
    mkdirSync(join(root, "remote", "settings"), { recursive: true });
    writeFileSync(join(root, "remote", "settings", "comfy.settings.json"), "{}");
    writeFileSync(join(root, "remote", "settings", "other.json"), "{}");
    writeFileSync(join(root, "rclone.conf"), `[backup]\ntype = alias\nremote = ${join(root, "remote")}\n`);
    daemon = await RcloneDaemon.start("rclone", join(root, "rclone.conf"));
  });

  afterAll(async () => {
    await daemon.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("copies with the include filter", async () => {
    const local = join(root, "local");
    const error = await daemon.runJob("sync/copy", { srcFs: "backup:settings", dstFs: local, _filter: { IncludeRule: ["comfy.settings.json"], ExcludeRule: [] } }, 60_000);

    expect(error).toBeNull();
    expect(readdirSync(local)).toEqual(["comfy.settings.json"]);
  });

  it("reports a missing source folder", async () => {
    const error = await daemon.runJob("sync/copy", { srcFs: "backup:missing", dstFs: join(root, "nothing") }, 60_000);

    expect(error).toBe("directory not found");
    expect(existsSync(join(root, "nothing"))).toBe(false);
  });

  it("rejects calls without the password", async () => {
    const response = await fetch(`${daemon.url}/rc/noopauth`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });

    expect(response.status).toBe(401);
  });

  it("ends on stop", async () => {
    const other = await RcloneDaemon.start("rclone", join(root, "rclone.conf"));
    await other.stop();
    const response = await fetch(`${other.url}/rc/noop`, { method: "POST" }).catch(() => null);

    expect(response).toBeNull();
  });
});
