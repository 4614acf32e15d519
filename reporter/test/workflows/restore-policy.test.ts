import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startRcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../../tools/rclone-remotes/src/remotes.js";
import { restoreFilterUpdater } from "../../src/workflows/feature.js";
import { startEngine } from "../sync/helpers.js";
import type { EngineFixture } from "../sync/helpers.js";
import { silentLog } from "./helpers.js";

// The per-folder pull policy reaches the restore: the models rule's excludes follow it, and a
// restore then brings back only the folders set to pull at restore.

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

describe("restore pull policy", () => {
  it("rewrites the models rule and keeps user excludes", async () => {
    const rule = await fixture.engine.createFromPreset("models", { remote: "disk", remote_base: "policy" });
    await fixture.engine.updateRule(rule.id, { filters: { include: [], exclude: [...rule.filters.exclude, "*.tmp"] } });
    const update = restoreFilterUpdater({ engine: () => fixture.engine }, fixture.workspace, join(fixture.workspace, "ComfyUI"), silentLog);

    expect(await update(["checkpoints", "vae"])).toBe(true);
    expect(fixture.engine.listRules().find((candidate) => candidate.id === rule.id)?.filters.exclude).toEqual(["*.tmp", "/checkpoints/**", "/vae/**"]);
  });

  it("restores only the folders set to pull at restore", async () => {
    const remoteModels = join(remotes.disk.root, "policy", "models");
    for (const folder of ["checkpoints", "loras", "vae"]) {
      await mkdir(join(remoteModels, folder), { recursive: true });
      await writeFile(join(remoteModels, folder, `${folder}-file.safetensors`), `${folder}\n`);
    }
    await fixture.engine.runRestore();

    const local = join(fixture.workspace, "ComfyUI", "models");
    expect(["checkpoints", "loras", "vae"].map((folder) => existsSync(join(local, folder, `${folder}-file.safetensors`)))).toEqual([false, true, false]);
  });

  it("reports no rule without a models restore", async () => {
    const update = restoreFilterUpdater({ engine: () => fixture.engine }, fixture.workspace, join(fixture.workspace, "Elsewhere"), silentLog);
    expect(await update(["loras"])).toBe(false);
  });
});
