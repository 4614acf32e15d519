/**
 * A fresh container: the reporter starts before any deploy and creates folders under
 * COMFYUI_DIR (models, user settings and workflows, custom_nodes, output). The first deploy
 * must still clone and build ComfyUI there rather than adopt the folder, and keep every
 * file the user put in it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { comfyuiOutcomeSchema } from "../../src/deploy/steps/comfyui.js";
import { createEngine, createWorld, request } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";

/** Files the reporter or the user wrote under COMFYUI_DIR before the first deploy. */
const USER_FILES: Record<string, string> = {
  "models/checkpoints/mine.safetensors": "weights the user uploaded\n",
  "user/default/comfy.settings.json": '{"Comfy.ColorPalette":"light"}\n',
  "user/default/workflows/portrait.json": '{"nodes":[]}\n',
  "output/ComfyUI_00001_.png": "an image from an earlier session\n",
};

let world: World;
let handle: EngineHandle;

async function deploy(): Promise<string | undefined> {
  const started = await handle.engine.start(request({ ready_timeout_s: 120 }));
  await handle.engine.idle();
  return handle.engine.status(started.deploy_id).deploy?.state;
}

function describeHead(): string {
  return execFileSync("git", ["describe", "--tags", "--exact-match", "HEAD"], { cwd: world.comfyuiDir, encoding: "utf8" }).trim();
}

beforeAll(async () => {
  world = await createWorld();
  for (const [path, text] of Object.entries(USER_FILES)) {
    await mkdir(dirname(join(world.comfyuiDir, path)), { recursive: true });
    await writeFile(join(world.comfyuiDir, path), text);
  }
  await mkdir(join(world.comfyuiDir, "custom_nodes"), { recursive: true });
  await mkdir(join(world.comfyuiDir, "models", "loras"), { recursive: true });
  handle = createEngine(world);
}, 60_000);

afterAll(async () => {
  await handle.close();
  await world.close();
}, 60_000);

describe("deploy into a folder the reporter made", () => {
  it("succeeds", async () => {
    expect(await deploy()).toBe("succeeded");
  }, 240_000);

  it("clones instead of adopting the folder", () => {
    const outcome = comfyuiOutcomeSchema.parse(handle.engine.store.result("comfyui")?.outcome);

    expect(outcome.adopted).toBe(false);
  });

  it("checks out the newest stable tag", () => {
    expect(describeHead()).toBe(world.fixtures.stableTags.at(-1));
  });

  it("builds the venv", () => {
    expect(existsSync(join(world.comfyuiDir, "venv", "bin", "python"))).toBe(true);
  });

  it("adds the checkout's files around the user's", () => {
    expect(existsSync(join(world.comfyuiDir, "custom_nodes", "example_node.py.example"))).toBe(true);
  });

  for (const [path, text] of Object.entries(USER_FILES)) {
    it(`keeps ${path}`, async () => {
      expect(await readFile(join(world.comfyuiDir, path), "utf8")).toBe(text);
    });
  }

  // A kill while the clone's entries were being moved into the folder leaves main.py without .git.
  it("completes a checkout whose move was cut off", async () => {
    await rm(join(world.comfyuiDir, ".git"), { recursive: true, force: true });
    await rm(join(world.comfyuiDir, "README.md"), { force: true });

    expect(await deploy()).toBe("succeeded");
    expect(describeHead()).toBe(world.fixtures.stableTags.at(-1));
    expect(existsSync(join(world.comfyuiDir, "README.md"))).toBe(true);
    expect(await readFile(join(world.comfyuiDir, "user/default/workflows/portrait.json"), "utf8")).toBe(USER_FILES["user/default/workflows/portrait.json"]);
  }, 240_000);
});
