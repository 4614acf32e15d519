import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { hashTree, startEngine } from "./helpers.js";
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

/** Returns every file under the rule's backup folder, keyed by name without the dated prefix. */
async function backedUp(ruleId: string): Promise<Map<string, string>> {
  const all = await hashTree(join(remotes.sftp.root, "mirror", ".comfycarry-backups", ruleId));
  return new Map([...all].map(([path, hash]) => [path.split("/").slice(2).join("/"), hash]));
}

describe("mirror rule", () => {
  it("requires explicit confirmation to exist", async () => {
    const created = fixture.engine.createRule({ name: "m", local_path: "m", remote: "sf", remote_path: "mirror/m", direction: "push", method: "mirror" });
    await expect(created).rejects.toMatchObject({ code: "invalid_arguments", params: { field: "mirror_confirmed" } });
  });

  it(
    "moves deleted files into the backup dir and asks before a mass deletion",
    async () => {
      const local = join(fixture.workspace, "mirrored");
      await mkdir(local, { recursive: true });
      for (let i = 0; i < 10; i += 1) {
        await writeFile(join(local, `图 ${i}.png`), `image ${i}\n`);
      }
      const original = await hashTree(local);
      const rule = await fixture.engine.createRule({
        name: "mirror outputs",
        local_path: "mirrored",
        remote: "sf",
        remote_path: "mirror/current",
        direction: "push",
        method: "mirror",
        mirror_confirmed: true,
        max_delete: 3,
      });
      expect((await fixture.engine.runRule(rule.id))?.status).toBe("success");

      // Three deletions are within the limit: they go to the backup dir.
      for (const i of [0, 1, 2]) {
        await rm(join(local, `图 ${i}.png`));
      }
      expect((await fixture.engine.runRule(rule.id))?.status).toBe("success");
      const current = join(remotes.sftp.root, "mirror", "current");
      expect(await hashTree(current)).toEqual(await hashTree(local));
      const backups = await backedUp(rule.id);
      for (const i of [0, 1, 2]) {
        expect(backups.get(`图 ${i}.png`)).toBe(original.get(`图 ${i}.png`));
      }

      // Four more are over the limit: nothing is deleted until confirmed.
      for (const i of [3, 4, 5, 6]) {
        await rm(join(local, `图 ${i}.png`));
      }
      const refused = await fixture.engine.runRule(rule.id);
      expect(refused?.error_code).toBe("delete_limit");
      expect((await hashTree(current)).size).toBe(7);
      expect(fixture.engine.ruleStatuses().find((status) => status.rule_id === rule.id)?.status).toBe("needs_confirmation");

      const confirmed = await fixture.engine.runRule(rule.id, { confirmDeletes: true });
      expect(confirmed?.status).toBe("success");
      expect(await hashTree(current)).toEqual(await hashTree(local));
      expect((await backedUp(rule.id)).size).toBe(7);
    },
    60_000,
  );
});
