import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { startEngine, writeRemote } from "./helpers.js";
import type { EngineFixture } from "./helpers.js";

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

async function contentsStartingWith(dir: string, prefix: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => name.startsWith(prefix));
  const contents = await Promise.all(names.map((name) => readFile(join(dir, name), "utf8")));
  return contents.sort();
}

describe("two-way rule", () => {
  it(
    "keeps both versions of a conflicting file",
    async () => {
      const local = join(fixture.workspace, "workflows");
      await mkdir(local, { recursive: true });
      await writeFile(join(local, "工作流 flow.json"), '{"v":0}\n');
      await writeFile(join(local, "other.json"), '{"other":true}\n');
      const rule = await fixture.engine.createRule({ name: "workflows", local_path: "workflows", remote: "sf", remote_path: "flows", direction: "two_way" });
      expect((await fixture.engine.runRule(rule.id))?.status).toBe("success");

      // Both sides change the same file between runs; sftp keeps mtimes to the second.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await writeFile(join(local, "工作流 flow.json"), '{"v":"local"}\n');
      await writeRemote(remotes, "sf:flows/工作流 flow.json", '{"v":"remote"}\n');
      expect((await fixture.engine.runRule(rule.id))?.status).toBe("success");

      const versions = ['{"v":"local"}\n', '{"v":"remote"}\n'];
      expect(await contentsStartingWith(local, "工作流 flow.json")).toEqual(versions);
      expect(await contentsStartingWith(join(remotes.sftp.root, "flows"), "工作流 flow.json")).toEqual(versions);
    },
    60_000,
  );

  it("is refused on plain WebDAV with the reason", async () => {
    const created = fixture.engine.createRule({ name: "dav", local_path: "dav", remote: "wd", remote_path: "dav", direction: "two_way" });
    await expect(created).rejects.toMatchObject({ code: "invalid_arguments", params: { field: "direction", reason: "modtime_unsupported" } });
    await expect(created).rejects.toThrow(/does not keep modification times/);
  });
});
