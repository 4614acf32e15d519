import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import type { DeployRun } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createEngine, createWorld, request } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";

let world: World;
let handle: EngineHandle;
let run: DeployRun | null;

beforeAll(async () => {
  world = await createWorld();
  handle = createEngine(world);
  const { text, numpyTwo, broken } = world.fixtures.nodes;
  const started = await handle.engine.start(request({ custom_nodes: [{ url: text.url }, { url: numpyTwo.url }, { url: broken.url }] }));
  await handle.engine.idle();
  run = handle.engine.status(started.deploy_id).deploy;
}, 300_000);

afterAll(async () => {
  await handle.close();
  await world.close();
}, 60_000);

function issue(name: string) {
  return run?.node_issues.find((candidate) => candidate.name === name);
}

describe("custom node failures", () => {
  it("still ends with a deploy that succeeded", () => {
    expect(run?.state).toBe("succeeded");
  });

  it("names the node whose requirement needs numpy 2", () => {
    const refused = issue(world.fixtures.nodes.numpyTwo.name);

    expect(refused?.kind).toBe("requirements");
    expect(refused?.reason).toContain("numpy");
  });

  it("leaves numpy at 1.x", () => {
    const version = execFileSync(join(world.comfyuiDir, "venv", "bin", "python"), ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8" }).trim();

    expect(version).toBe("1.26.4");
  });

  it("installs nothing of the refused node", () => {
    const installed = execFileSync(join(world.comfyuiDir, "venv", "bin", "python"), ["-m", "pip", "list", "--format=freeze"], { encoding: "utf8" });

    expect(installed).not.toContain("array-tools");
  });

  it("moves the refused node aside", () => {
    expect(existsSync(join(world.comfyuiDir, "custom_nodes", ".disabled", world.fixtures.nodes.numpyTwo.name))).toBe(true);
  });

  it("disables the node whose import crashes ComfyUI", () => {
    const disabled = issue(world.fixtures.nodes.broken.name);

    expect(disabled?.kind).toBe("import_failed");
    expect(disabled?.reason).toContain("libcudart.so.13");
    expect(disabled?.moved_to).toBe(join(world.comfyuiDir, "custom_nodes", ".disabled", world.fixtures.nodes.broken.name));
  });

  it("brings ComfyUI back online with the other nodes", async () => {
    const objectInfo = (await (await fetch(`${world.url}/object_info`)).json()) as Record<string, unknown>;

    expect(Object.keys(objectInfo)).toContain("FixtureUpper");
    expect(Object.keys(objectInfo)).not.toContain("BrokenNode");
  });

  it("shows the disabled node in the ready step log", () => {
    const ready = run?.steps.find((step) => step.id === "ready");

    expect(ready?.log.some((line) => line.includes(`${world.fixtures.nodes.broken.name}: disabled`))).toBe(true);
  });
});
