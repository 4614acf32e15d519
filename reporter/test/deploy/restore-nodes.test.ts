/**
 * Restore of custom nodes from the remote: the remote contains a node snapshot of three packs
 * and backed-up folders of two of them, one at the snapshot's commit and one a commit ahead.
 * The first is kept as copied, the other two go through git.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { nodePackRepository } from "../../../tools/deploy-fixtures/src/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { headCommit } from "../../src/deploy/git-files.js";
import { createEngine, createWorld, request } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";
import { REMOTE, startSync } from "./helpers/sync-world.js";
import type { SyncHandle } from "./helpers/sync-world.js";

let world: World;
let sync: SyncHandle;
let handle: EngineHandle;
let restoredState: string | undefined;
let restoreLog: string[] = [];
const pinned = new Map<string, string>();

const KEPT = "comfyui-fixture-text";
const AHEAD = "comfyui-fixture-notes";
const MISSING = "comfyui-fixture-extra";

function git(args: string[], cwd: string): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" } }).trim();
}

beforeAll(async () => {
  world = await createWorld();
  const remoteRoot = join(world.root, "remote");
  const backups = join(remoteRoot, "comfycarry", "custom-nodes");
  await mkdir(backups, { recursive: true });

  const { text, notes } = world.fixtures.nodes;
  await mkdir(join(world.root, "extra-repos"), { recursive: true });
  const extraUrl = nodePackRepository(join(world.root, "extra-repos"), MISSING, { classes: ["FixtureExtra"] });
  const urls = new Map([
    [KEPT, text.url],
    [AHEAD, notes.url],
    [MISSING, extraUrl],
  ]);
  for (const [name, url] of urls) {
    pinned.set(name, git(["ls-remote", url, "HEAD"], world.root).split(/\s/)[0] ?? "");
  }

  // What the custom_nodes preset would have pushed: whole checkouts, one of them moved on since the snapshot.
  git(["clone", "--quiet", "--", text.url, join(backups, KEPT)], world.root);
  git(["clone", "--quiet", "--", notes.url, join(backups, AHEAD)], world.root);
  git(["commit", "--quiet", "--allow-empty", "-m", "local change"], join(backups, AHEAD));

  const snapshotDir = join(remoteRoot, "comfycarry", "node-snapshots");
  await mkdir(snapshotDir, { recursive: true });
  const packs = [...urls].map(([name, url]) => ({ name, repository: url, commit: pinned.get(name), enabled: true }));
  await writeFile(join(snapshotDir, "comfycarry-nodes.json"), JSON.stringify({ format: "comfycarry.nodes.v1", taken_at: "2026-01-01T00:00:00Z", packs }));

  sync = await startSync(world, remoteRoot);
  handle = createEngine(world, { sync: sync.port });
  const restored = await handle.engine.start(request({ mode: "restore", remote: REMOTE, sync_presets: ["node_snapshots"] }));
  await handle.engine.idle();
  const deploy = handle.engine.status(restored.deploy_id).deploy;
  restoredState = deploy?.state;
  restoreLog = deploy?.steps.find((step) => step.id === "restore")?.log ?? [];
}, 600_000);

afterAll(async () => {
  await handle.close();
  await sync.close();
  await world.close();
}, 60_000);

describe("restore of node folders from the remote", () => {
  it("ends with a restore deploy that succeeded", () => {
    expect(restoredState).toBe("succeeded");
  });

  it("keeps a backed-up node at the snapshot commit", () => {
    expect(restoreLog).toContain(`${KEPT}: kept at ${pinned.get(KEPT)?.slice(0, 12)}`);
    expect(restoreLog).not.toContain(`${KEPT}: cloned`);
  });

  it("checks out a backed-up node whose HEAD moved on", async () => {
    expect(await headCommit(join(world.comfyuiDir, "custom_nodes", AHEAD))).toBe(pinned.get(AHEAD));
    expect(restoreLog.some((line) => line.startsWith(`${AHEAD}: kept`))).toBe(false);
  });

  it("clones a node missing from the backup", async () => {
    expect(restoreLog).toContain(`${MISSING}: cloned`);
    expect(await headCommit(join(world.comfyuiDir, "custom_nodes", MISSING))).toBe(pinned.get(MISSING));
  });

  it("loads the nodes of all three packs", async () => {
    const objectInfo = (await (await fetch(`${world.url}/object_info`)).json()) as Record<string, unknown>;

    expect(Object.keys(objectInfo)).toEqual(expect.arrayContaining(["FixtureUpper", "FixtureNote", "FixtureExtra"]));
  });
});
