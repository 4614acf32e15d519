import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import type { Server } from "node:net";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RcloneDaemon } from "../../src/sync/rclone/daemon.js";

describe("rclone daemon", () => {
  let root = "";
  let daemon: RcloneDaemon;
  // Accepts connections and never responds, so a call to a remote on it hangs.
  const silent: Server = createServer(() => undefined);

  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const silentPort = typeof address === "object" && address !== null ? address.port : 0;
    root = mkdtempSync(join(tmpdir(), "rclone-daemon-"));
    mkdirSync(join(root, "remote", "settings"), { recursive: true });
    writeFileSync(join(root, "remote", "settings", "comfy.settings.json"), "{}");
    writeFileSync(join(root, "remote", "settings", "other.json"), "{}");
    writeFileSync(join(root, "rclone.conf"), `[backup]\ntype = alias\nremote = ${join(root, "remote")}\n\n[silent]\ntype = webdav\nurl = http://127.0.0.1:${silentPort}/\nvendor = other\n`);
    daemon = await RcloneDaemon.start("rclone", join(root, "rclone.conf"));
  });

  afterAll(async () => {
    await daemon.stop();
    silent.close();
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

  it("returns rclone's error for an unknown method", async () => {
    const reply = await daemon.call("no/such-method", {}, 60_000);

    expect(reply.ok).toBe(false);
    expect(reply.error).toContain("couldn't find method");
  });

  it("gives up on a call after its time limit", async () => {
    const reply = await daemon.call("operations/list", { fs: "silent:", remote: "" }, 300);

    expect(reply.ok).toBe(false);
    expect(reply.error).toBe("timed out after 300 ms");
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
