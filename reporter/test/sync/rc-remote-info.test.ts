import { writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { RcloneDaemon } from "../../src/sync/rclone/daemon.js";
import type { RcloneEnvironment } from "../../src/sync/rclone/runner.js";
import { rcRemoteInfo } from "../../src/sync/remotes/rc-remote-info.js";
import { listRemotes, remoteFeatures } from "../../src/sync/remotes/remotes.js";
import type { RemoteInfoSource } from "../../src/sync/remotes/remotes.js";

let remotes: RcloneRemotes;
let daemon: RcloneDaemon;
let environment: RcloneEnvironment;
let source: RemoteInfoSource;

/** Returns a loopback port that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address !== null ? address.port : 0;
}

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  // Besides the served remotes: names out of order, a section without a type, and an SFTP remote on a closed port.
  const configPath = join(remotes.dir, "rc-info.conf");
  const extra = ["[zeta]", "type = local", "", "[Alpha]", "type = local", "", "[notype]", "path = /tmp", "", "[down]", "type = sftp", "host = 127.0.0.1", `port = ${await closedPort()}`, "user = nobody", ""];
  await writeFile(configPath, `${extra.join("\n")}\n${remotes.config}`, { mode: 0o600 });
  environment = { binary: "rclone", configPath, cacheDir: remotes.cacheDir };
  daemon = await RcloneDaemon.start("rclone", configPath, { cacheDir: remotes.cacheDir });
  source = rcRemoteInfo(daemon);
}, 60_000);

afterAll(async () => {
  await daemon.stop();
  await remotes.close();
});

describe("remote info from rclone rcd", () => {
  it("lists the remotes as the CLI does", async () => {
    const fromCli = await listRemotes(environment);

    expect(await source.listRemotes()).toEqual(fromCli);
    expect(fromCli.map((remote) => remote.name)).toEqual(["Alpha", "disk", "down", "sf", "wd", "zeta"]);
  });

  it.each(["disk", "wd", "sf", "zeta"])("reads the features of %s as the CLI does", async (remote) => {
    const fromCli = await remoteFeatures(environment, remote);

    expect(fromCli).not.toBeNull();
    expect(await source.remoteFeatures(remote)).toEqual(fromCli);
  });

  it("tells a remote without modification times", async () => {
    expect((await source.remoteFeatures("wd"))?.keepsModTime).toBe(false);
  });

  it("returns no features for an unreachable remote", async () => {
    expect(await remoteFeatures(environment, "down")).toBeNull();
    expect(await source.remoteFeatures("down")).toBeNull();
  });
});
