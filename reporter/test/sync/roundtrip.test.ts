import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { SOAK, hashTree, startEngine, writeRemote, writeTree } from "./helpers.js";
import type { EngineFixture } from "./helpers.js";

// 1,000 small files in soak mode; a tenth of that keeps `npm test` quick.
const SMALL_FILES = SOAK ? 1_000 : 100;

let remotes: RcloneRemotes;
let fixture: EngineFixture;

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  fixture = await startEngine(remotes);
}, 60_000);

afterAll(async () => {
  await fixture.close();
  await remotes.close();
});

function remoteRoot(name: string): string {
  const roots: Record<string, string> = { wd: remotes.webdav.root, sf: remotes.sftp.root, disk: remotes.disk.root };
  return roots[name] ?? remotes.disk.root;
}

describe.each(["disk", "wd", "sf"])("round trip on %s", (remote) => {
  it(
    "pushes and pulls an awkward tree unchanged",
    async () => {
      const source = join(fixture.workspace, `push-${remote}`);
      await mkdir(source, { recursive: true });
      await writeTree(source, SMALL_FILES);
      const expected = await hashTree(source);

      const push = await fixture.engine.createRule({ name: `push ${remote}`, local_path: `push-${remote}`, remote, remote_path: `rt/${remote}`, direction: "push" });
      const pushed = await fixture.engine.runRule(push.id);
      expect(pushed?.status).toBe("success");
      expect(await hashTree(join(remoteRoot(remote), "rt", remote))).toEqual(expected);

      const pull = await fixture.engine.createRule({ name: `pull ${remote}`, local_path: `pulled-${remote}`, remote, remote_path: `rt/${remote}`, direction: "pull" });
      const pulled = await fixture.engine.runRule(pull.id);
      expect(pulled?.status).toBe("success");
      expect(await hashTree(join(fixture.workspace, `pulled-${remote}`))).toEqual(expected);
      expect(pulled?.files).toBe(expected.size);
    },
    SOAK ? 300_000 : 60_000,
  );
});

describe.each(["disk", "sf"])("two-way round trip on %s", (remote) => {
  it(
    "carries changes from both sides",
    async () => {
      const local = join(fixture.workspace, `two-${remote}`);
      await mkdir(local, { recursive: true });
      await writeTree(local, SMALL_FILES);
      const rule = await fixture.engine.createRule({ name: `two ${remote}`, local_path: `two-${remote}`, remote, remote_path: `two/${remote}`, direction: "two_way" });

      const first = await fixture.engine.runRule(rule.id);
      expect(first?.status).toBe("success");
      const remoteDir = join(remoteRoot(remote), "two", remote);
      expect(await hashTree(remoteDir)).toEqual(await hashTree(local));

      // Through rclone, as another machine would: `rclone serve` caches listings of its folder.
      await writeRemote(remotes, `${remote}:two/${remote}/从远端 remote-side 🚀.txt`, "made on the remote\n");
      await writeFile(join(local, "本地 local-side.txt"), "made locally\n");
      const second = await fixture.engine.runRule(rule.id);
      expect(second?.status).toBe("success");

      const localHashes = await hashTree(local);
      expect(localHashes.has("从远端 remote-side 🚀.txt")).toBe(true);
      expect(await hashTree(remoteDir)).toEqual(localHashes);
    },
    60_000,
  );
});

describe("restore step", () => {
  it(
    "pulls on-deploy rules into the workspace",
    async () => {
      const models = join(remotes.disk.root, "restore", "models", "checkpoints");
      await mkdir(models, { recursive: true });
      await writeFile(join(models, "模型 model.safetensors"), "weights\n");
      await fixture.engine.createFromPreset("models", { remote: "disk", remote_base: "restore", pull_later: [] });

      const records = await fixture.engine.runRestore();
      expect(records.map((record) => record.status)).toContain("success");
      expect(await hashTree(join(fixture.workspace, "ComfyUI", "models"))).toEqual(await hashTree(join(remotes.disk.root, "restore", "models")));
    },
    60_000,
  );
});
