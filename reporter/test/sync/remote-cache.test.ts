import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { RemoteInfoCache } from "../../src/sync/remotes/remote-cache.js";

describe("remote info cache", () => {
  let dir = "";
  let conf = "";

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "remote-cache-"));
    conf = join(dir, "rclone.conf");
    writeFileSync(conf, "[one]\ntype = local\n");
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists once while the file is unchanged", async () => {
    const cache = new RemoteInfoCache(conf);
    let loads = 0;
    const load = (): Promise<Array<{ name: string; type: string }>> => {
      loads += 1;
      return Promise.resolve([{ name: "one", type: "local" }]);
    };

    await cache.remotes(load);
    await cache.remotes(load);

    expect(loads).toBe(1);
  });

  it("lists again after the file changes", async () => {
    const cache = new RemoteInfoCache(conf);
    let loads = 0;
    const load = (): Promise<Array<{ name: string; type: string }>> => {
      loads += 1;
      return Promise.resolve([]);
    };

    await cache.remotes(load);
    writeFileSync(conf, "[one]\ntype = local\n\n[two]\ntype = local\n");
    await cache.remotes(load);

    expect(loads).toBe(2);
  });

  it("does not keep a failed listing", async () => {
    const cache = new RemoteInfoCache(conf);
    await expect(cache.remotes(() => Promise.reject(new Error("rclone failed")))).rejects.toThrow("rclone failed");

    expect(await cache.remotes(() => Promise.resolve([{ name: "one", type: "local" }]))).toHaveLength(1);
  });

  it("does not keep unreachable features", async () => {
    const cache = new RemoteInfoCache(conf);
    await cache.features("one", () => Promise.resolve(null));

    expect(await cache.features("one", () => Promise.resolve({ keepsModTime: true, hashes: [] }))).toEqual({ keepsModTime: true, hashes: [] });
  });
});
