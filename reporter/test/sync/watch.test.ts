import { randomBytes, createHash } from "node:crypto";
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { JobRecord } from "../../src/sync/index.js";
import { hashTree, startEngine, waitFor } from "./helpers.js";
import type { EngineFixture } from "./helpers.js";

let remotes: RcloneRemotes;
let fixture: EngineFixture;
const started: JobRecord[] = [];

beforeAll(async () => {
  remotes = await startRcloneRemotes();
  fixture = await startEngine(remotes, {}, { onJobStarted: (job) => started.push(job) });
}, 60_000);

afterAll(async () => {
  await fixture.close();
  await remotes.close();
});

async function createOutputsRule(): Promise<string> {
  const rule = await fixture.engine.createFromPreset("outputs", { remote: "wd", remote_base: "watched" });
  // The preset's first full run covers files written before the watcher started.
  await waitFor("the first full run", () => fixture.engine.jobs({ ruleId: rule.id }).some((job) => job.status === "success"));
  return rule.id;
}

const remoteOutput = (): string => join(remotes.webdav.root, "watched", "output");

describe("watch trigger", () => {
  it(
    "uploads a slowly written file only once it is complete",
    async () => {
      const ruleId = await createOutputsRule();
      const chunks = Array.from({ length: 10 }, () => randomBytes(64 * 1024));
      const expected = createHash("sha256").update(Buffer.concat(chunks)).digest("hex");
      const path = join(fixture.workspace, "ComfyUI", "output", "slow 慢 🐢.png");

      // Ten chunks half a second apart: the file changes for 5 s.
      const writeStarted = Date.now();
      const file = await open(path, "w");
      for (const chunk of chunks) {
        await file.write(chunk);
        await file.sync();
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      await file.close();
      const writeEnded = Date.now();

      await waitFor("the file on the remote", async () => (await hashTree(remoteOutput())).get("slow 慢 🐢.png") === expected, 15_000);
      const duringWrite = started.filter((job) => job.rule_id === ruleId && job.started_at >= writeStarted && job.started_at < writeEnded);
      expect(duringWrite).toEqual([]);
      expect((await hashTree(remoteOutput())).get("slow 慢 🐢.png")).toBe(expected);
    },
    40_000,
  );

  it(
    "uploads a batch of new outputs",
    async () => {
      const names = ["ComfyUI_00001_.png", "ComfyUI_00002_.png", "子目录/ComfyUI_00003_.png"];
      await mkdir(join(fixture.workspace, "ComfyUI", "output", "子目录"), { recursive: true });
      for (const name of names) {
        await writeFile(join(fixture.workspace, "ComfyUI", "output", name), randomBytes(4096));
      }
      const local = await hashTree(join(fixture.workspace, "ComfyUI", "output"));

      // The upload lands on the remote just before its job settles, so wait for both.
      await waitFor("three outputs on the remote and settled", async () => {
        const remote = await hashTree(remoteOutput());
        const safety = await fixture.engine.safeToDestroy();
        return safety.unsynced_files === 0 && names.every((name) => remote.get(name) === local.get(name));
      });
      const remote = await hashTree(remoteOutput());
      for (const name of names) {
        expect(remote.get(name)).toBe(local.get(name));
      }
      expect((await fixture.engine.safeToDestroy()).safe).toBe(true);
    },
    30_000,
  );
});
