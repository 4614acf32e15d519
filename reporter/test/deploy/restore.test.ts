/**
 * Deploy, save work, sync everything, destroy the workspace, then deploy in restore mode
 * into the empty workspace: workflows, settings, the node snapshot's packs and the sync
 * rules (including ones the restore request does not name) come back from the remote.
 */
import { chmod, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SERVICE, createEngine, createWorld, request } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";
import { REMOTE, startSync } from "./helpers/sync-world.js";
import type { SyncHandle } from "./helpers/sync-world.js";

let world: World;
let remoteRoot: string;
let sync: SyncHandle;
let handle: EngineHandle;
let safeBeforeDestroy: boolean | null = null;
let restoredState: string | undefined;
let rcloneLog = "";

const WORKFLOWS = Object.fromEntries(Array.from({ length: 5 }, (_, index) => [`flow-${index}.json`, JSON.stringify({ nodes: [{ id: index, type: "FixtureUpper" }] })]));
const SETTINGS = JSON.stringify({ "Comfy.Locale": "zh", "Comfy.Sidebar.Size": "small" });

function presets() {
  return ["workflows", "user_settings", "node_snapshots"] as const;
}

beforeAll(async () => {
  world = await createWorld();
  remoteRoot = join(world.root, "remote");
  sync = await startSync(world, remoteRoot);
  handle = createEngine(world, { sync: sync.port });

  const { text, notes } = world.fixtures.nodes;
  await handle.engine.start(request({ custom_nodes: [{ url: text.url }, { url: notes.url }], remote: REMOTE, sync_presets: [...presets()] }));
  await handle.engine.idle();

  const userDir = join(world.comfyuiDir, "user", "default");
  await mkdir(join(userDir, "workflows"), { recursive: true });
  for (const [name, body] of Object.entries(WORKFLOWS)) {
    await writeFile(join(userDir, "workflows", name), body);
  }
  await writeFile(join(userDir, "comfy.settings.json"), SETTINGS);
  const engine = sync.service.engine();
  await engine.createRule({ name: "Inputs to remote", local_path: "ComfyUI/input", remote: REMOTE, remote_path: "comfycarry/input", direction: "push", method: "copy", trigger: { type: "manual" } });
  // A second deploy writes the rules file again, now with the rule added by hand.
  await handle.engine.start(request({ custom_nodes: [{ url: text.url }, { url: notes.url }], remote: REMOTE, sync_presets: [...presets(), "outputs"] }));
  await handle.engine.idle();
  for (const rule of engine.listRules()) {
    await engine.runRule(rule.id, { reason: "manual" });
  }
  safeBeforeDestroy = (await engine.safeToDestroy({ verify: true })).safe;

  // Destroy: the container is gone, with ComfyUI, the workspace and the reporter's state.
  await handle.close();
  await sync.close();
  await world.pm2.cli(["delete", SERVICE]).catch(() => undefined);
  await rm(world.workspaceDir, { recursive: true, force: true });

  // The restored reporter runs rclone through a script that logs each command's name first.
  rcloneLog = join(world.root, "rclone-commands.log");
  const loggedRclone = join(world.root, "rclone-logged");
  await writeFile(loggedRclone, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${rcloneLog}'\nexec rclone "$@"\n`);
  await chmod(loggedRclone, 0o755);
  sync = await startSync(world, remoteRoot, loggedRclone);
  handle = createEngine(world, { sync: sync.port });
  const restored = await handle.engine.start(request({ mode: "restore", remote: REMOTE, sync_presets: [...presets()] }));
  await handle.engine.idle();
  restoredState = handle.engine.status(restored.deploy_id).deploy?.state;
}, 600_000);

afterAll(async () => {
  await handle.close();
  await sync.close();
  await world.close();
}, 60_000);

describe("restore into an empty workspace", () => {
  it("was all synced before the destroy", () => {
    expect(safeBeforeDestroy).toBe(true);
  });

  it("starts one rclone daemon for copies and probes", async () => {
    const commands = (await readFile(rcloneLog, "utf8")).split("\n").filter((line) => line !== "");

    expect(commands.filter((command) => command === "rcd")).toHaveLength(1);
    expect(commands).not.toContain("listremotes");
    expect(commands).not.toContain("backend");
  });

  it("ends with a restore deploy that succeeded", () => {
    expect(restoredState).toBe("succeeded");
  });

  it("brings the workflows back", async () => {
    const dir = join(world.comfyuiDir, "user", "default", "workflows");
    const names = (await readdir(dir)).sort();

    expect(names).toEqual(Object.keys(WORKFLOWS).sort());
    expect(await readFile(join(dir, "flow-3.json"), "utf8")).toBe(WORKFLOWS["flow-3.json"]);
  });

  it("brings the settings back", async () => {
    expect(await readFile(join(world.comfyuiDir, "user", "default", "comfy.settings.json"), "utf8")).toBe(SETTINGS);
  });

  it("installs the packs of the node snapshot", async () => {
    const objectInfo = (await (await fetch(`${world.url}/object_info`)).json()) as Record<string, unknown>;

    expect(Object.keys(objectInfo)).toEqual(expect.arrayContaining(["FixtureUpper", "FixtureNote"]));
  });

  it("brings the sync rules back", () => {
    const names = sync.service.engine().listRules().map((rule) => rule.name).sort();

    expect(names).toEqual(["ComfyUI settings to remote", "Custom-node snapshots to remote", "Inputs to remote", "Outputs to remote", "Workflows both ways"]);
  });
});
