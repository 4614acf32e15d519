import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createHarness } from "./helpers/harness.js";
import type { Harness } from "./helpers/harness.js";

let harness: Harness;

async function runningVersion(): Promise<string | null> {
  return (await harness.call("comfyui.status")).version.comfyui;
}

beforeAll(async () => {
  harness = await createHarness();
  await harness.call("comfyui.start", {});
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe("ComfyUI version", () => {
  it("lists tags newest first and the current tag", async () => {
    const versions = await harness.call("comfyui.version.list");

    expect(versions.tags).toEqual(["v0.3.99", "v0.3.76", "v0.3.75"]);
    expect(versions.current.tag).toBe("v0.3.76");
  });

  it("switches to a tag and comes online with it", async () => {
    const result = await harness.call("comfyui.version.switch", { tag: "v0.3.75", wait_s: 30 });

    expect(result.online).toBe(true);
    expect(result.rolled_back).toBe(false);
    expect(await runningVersion()).toBe("0.3.75");
  });

  it("installs requirements under the torch constraints", async () => {
    const pip = await readFile(harness.pipLog, "utf8");
    const constraints = await readFile(join(harness.root, "state", "comfyui", "torch-constraints.txt"), "utf8");

    expect(pip).toContain(`install --requirement ${join(harness.comfyuiDir, "requirements.txt")} --constraint`);
    expect(constraints.trim().split("\n")).toEqual(["torch==2.8.0+cu128", "torchvision==0.23.0+cu128"]);
  });

  it("rolls back a version that does not come online", async () => {
    const result = await harness.call("comfyui.version.switch", { tag: "v0.3.99", wait_s: 5 });

    expect(result.rolled_back).toBe(true);
    expect(result.reason).toContain("did not come online");
    expect(result.online).toBe(true);
    expect((await harness.call("comfyui.version.list")).current.tag).toBe("v0.3.75");
    expect(await runningVersion()).toBe("0.3.75");
  });

  it("refuses a tag the checkout does not have", async () => {
    const error = await harness.call("comfyui.version.switch", { tag: "v9.9.9" }).catch((caught: unknown) => caught);

    expect(String(error)).toContain("no tag");
  });
});
