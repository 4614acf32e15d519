import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pollUntil } from "../comfyui-control/helpers/poll.js";
import { createEngine, createWorld, request } from "./helpers/world.js";
import type { EngineHandle, World } from "./helpers/world.js";

let world: World;
let handle: EngineHandle;

beforeAll(async () => {
  world = await createWorld();
  handle = createEngine(world);
}, 60_000);

afterAll(async () => {
  await handle.close();
  await world.close();
}, 60_000);

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(`${world.url}${path}`);
  return response.json();
}

describe("fresh deploy", () => {
  it("ends with ComfyUI online and the nodes loaded", async () => {
    const { text, notes } = world.fixtures.nodes;
    const started = await handle.engine.start(
      request({ custom_nodes: [{ url: text.url }, { url: notes.url }], attention: "flash" }),
    );
    await handle.engine.idle();
    const { deploy } = handle.engine.status(started.deploy_id);

    expect(deploy?.steps.map((step) => [step.id, step.state, step.error?.message ?? null])).toEqual([
      ["preflight", "done", null],
      ["system_packages", "done", null],
      ["comfyui", "done", null],
      ["attention", "done", null],
      ["custom_nodes", "done", null],
      ["restore", "done", null],
      ["models", "done", null],
      ["start", "done", null],
      ["ready", "done", null],
    ]);
    expect(deploy?.state).toBe("succeeded");
    const objectInfo = (await getJson("/object_info")) as Record<string, unknown>;
    expect(Object.keys(objectInfo)).toEqual(expect.arrayContaining(["FixtureUpper", "FixtureLower", "FixtureNote"]));
  }, 240_000);

  it("checks out the newest stable tag", () => {
    const head = execFileSync("git", ["describe", "--tags", "--exact-match", "HEAD"], { cwd: world.comfyuiDir, encoding: "utf8" }).trim();

    expect(head).toBe(world.fixtures.stableTags.at(-1));
  });

  it("installs the attention library and node requirements", () => {
    const python = join(world.comfyuiDir, "venv", "bin", "python");
    const versions = execFileSync(python, ["-c", "import flash_attn, fixture_helper, numpy; print(flash_attn.__version__, fixture_helper.__version__, numpy.__version__)"], { encoding: "utf8" }).trim();

    expect(versions).toBe("2.6.3 1.2.0 1.26.4");
  });

  it("runs a prompt through a custom node", async () => {
    const prompt = { "1": { class_type: "FixtureUpper", inputs: { text: "hello from a fixture node" } } };
    const response = await fetch(`${world.url}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) });
    const { prompt_id: promptId } = (await response.json()) as { prompt_id: string };

    const history = await pollUntil(
      "the prompt to finish",
      async () => (await getJson(`/history/${promptId}`)) as Record<string, { status?: { status_str?: string } }>,
      (value) => value[promptId]?.status?.status_str !== undefined,
      30_000,
    );

    expect(history[promptId]?.status?.status_str).toBe("success");
  });

  it("skips every change step on a second deploy", async () => {
    const { text, notes } = world.fixtures.nodes;
    const again = await handle.engine.start(
      request({ custom_nodes: [{ url: text.url }, { url: notes.url }], attention: "flash" }),
    );
    await handle.engine.idle();

    expect(again.skipped).toEqual(["comfyui", "attention", "custom_nodes", "restore", "models"]);
    expect(handle.engine.status(again.deploy_id).deploy?.state).toBe("succeeded");
  }, 120_000);

  it("refuses a second deploy while one runs", async () => {
    const first = await handle.engine.start(request());

    const error = await handle.engine.start(request()).catch((caught: unknown) => caught);
    await handle.engine.idle();

    expect(error).toMatchObject({ code: "deploy_already_running", params: { deploy_id: first.deploy_id } });
  }, 120_000);

  it("keeps the example file of the checkout", () => {
    expect(existsSync(join(world.comfyuiDir, "custom_nodes", "example_node.py.example"))).toBe(true);
  });
});
