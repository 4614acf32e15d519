import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readFile } from "node:fs/promises";

import { ComfyCarryError } from "@comfycarry/shared";
import type { NodeTask } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { SECURITY_REJECTION } from "../../src/comfyui-control/nodes/refusals.js";
import { createHarness } from "./helpers/harness.js";
import { pollUntil } from "./helpers/poll.js";
import type { Harness } from "./helpers/harness.js";
import { FIXTURE_HOST, createPack, objectInfoClasses, routeFixtureHost, writeNodeList } from "./helpers/packs.js";

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness({
    prepare: async (root) => {
      routeFixtureHost(root);
      const alpha = await createPack(root, "sim-alpha", [
        { tag: "v1.0.0", classes: ["SimAlpha"] },
        { tag: "v1.1.0", classes: ["SimAlpha", "SimAlphaPlus"] },
      ]);
      const beta = await createPack(root, "sim-beta", [{ tag: null, classes: ["SimBeta"] }]);
      process.env["COMFYUI_SIM_NODE_LIST"] = writeNodeList(root, [
        { id: "sim-alpha", url: alpha, title: "Sim Alpha", stars: 40 },
        { id: "sim-beta", url: beta, title: "Sim Beta", stars: 7 },
      ]);
      process.env["COMFYUI_SIM_MANAGER_TASK_MS"] = "100";
      process.env["COMFYUI_SIM_MANAGER_IDLE_MS"] = "300";
    },
  });
}, 60_000);

afterAll(async () => {
  await harness.close();
});

/** Runs one action and waits for Manager to finish its task; returns the final row. */
async function act(action: "install" | "update" | "enable" | "disable" | "uninstall" | "switch_version", id: string, version?: string): Promise<NodeTask> {
  const { ui_id: uiId } = await harness.call("nodes.action", version === undefined ? { action, id } : { action, id, version });
  const tasks = await pollUntil(
    `Manager to finish ${action} ${id}`,
    () => harness.call("nodes.tasks"),
    (view) => view.tasks.some((row) => row.ui_id === uiId && (row.state === "done" || row.state === "failed")),
  );
  const task = tasks.tasks.find((row) => row.ui_id === uiId);
  if (task === undefined) {
    throw new Error(`task ${uiId} vanished`);
  }
  return task;
}

async function restartAndClasses(): Promise<string[]> {
  await harness.call("comfyui.restart", {});
  return objectInfoClasses(harness.url);
}

function managerConfig(dir: string, level: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.ini"), `[default]\nsecurity_level = ${level}\nnetwork_mode = public\n`);
}

const LEGACY_VERSIONS = { "legacy-get": "V3.39.3", "legacy-post": "V3.41" } as const;

for (const flavour of ["legacy-get", "legacy-post", "v4"] as const) {
  describe(`custom nodes through Manager ${flavour}`, () => {
    beforeAll(async () => {
      const legacyDir = join(harness.comfyuiDir, "custom_nodes", "comfyui-manager");
      rmSync(join(harness.comfyuiDir, "user"), { recursive: true, force: true });
      if (flavour === "v4") {
        rmSync(legacyDir, { recursive: true, force: true });
        await harness.call("comfyui.launch.set", { options: { enable_manager: true } as never });
      } else {
        mkdirSync(legacyDir, { recursive: true });
        writeFileSync(join(legacyDir, "comfyui-sim.json"), JSON.stringify({ manager_version: LEGACY_VERSIONS[flavour], nodes: {} }));
        await harness.call("comfyui.launch.set", { options: {} as never });
      }
    }, 30_000);

    it("detects the flavour", async () => {
      const list = await harness.call("nodes.list");

      expect(list.manager).toBe(flavour);
    });

    it("lists the registry sorted by stars", async () => {
      const registry = await harness.call("nodes.registry", { search: "sim" });

      expect(registry.packs.map((pack) => pack.id)).toEqual(["sim-alpha", "sim-beta"]);
    });

    it("installs a version and serves its classes", async () => {
      const task = await act("install", "sim-alpha", "1.0.0");
      const restartNeeded = (await harness.call("nodes.list")).restart_needed;
      const classes = await restartAndClasses();

      expect(task.state).toBe("done");
      expect(restartNeeded).toBe(true);
      expect(classes).toContain("SimAlpha");
      expect(classes).not.toContain("SimAlphaPlus");
    });

    it("disables the pack", async () => {
      expect((await act("disable", "sim-alpha")).state).toBe("done");
      expect(await restartAndClasses()).not.toContain("SimAlpha");
    });

    it("enables the pack again", async () => {
      expect((await act("enable", "sim-alpha")).state).toBe("done");
      expect(await restartAndClasses()).toContain("SimAlpha");
    });

    it("updates the pack to its newest version", async () => {
      expect((await act("update", "sim-alpha")).state).toBe("done");
      expect(await restartAndClasses()).toContain("SimAlphaPlus");
    });

    it("switches the pack back to an older version", async () => {
      expect((await act("switch_version", "sim-alpha", "1.0.0")).state).toBe("done");
      expect(await restartAndClasses()).not.toContain("SimAlphaPlus");
    });

    it("uninstalls the pack", async () => {
      expect((await act("uninstall", "sim-alpha")).state).toBe("done");
      expect(await restartAndClasses()).not.toContain("SimAlpha");
    });

    it("explains a security-level rejection", async () => {
      const dataDir = join(harness.comfyuiDir, "user", "__manager");
      managerConfig(dataDir, "strong");
      await harness.call("comfyui.restart", {});

      const outcome = await act("install", "sim-beta").then(
        (task) => task.message,
        (error: unknown) => (error instanceof ComfyCarryError ? error.message : String(error)),
      );

      expect(outcome).toBe(SECURITY_REJECTION);
      rmSync(join(dataDir, "config.ini"));
    });
  });
}

describe("custom nodes without Manager", () => {
  beforeAll(async () => {
    rmSync(join(harness.comfyuiDir, "custom_nodes", "comfyui-manager"), { recursive: true, force: true });
    await harness.call("comfyui.stop");
  });

  it("installs from a git URL with ComfyUI stopped", async () => {
    const result = await harness.call("nodes.install_git", { url: `${FIXTURE_HOST}owner/sim-beta` });
    const pipCalls = await readFile(harness.pipLog, "utf8");
    await harness.call("comfyui.start", {});

    expect(result.name).toBe("sim-beta");
    expect(result.requirements).toBe(true);
    expect(pipCalls).toContain(`install --requirement ${join(harness.comfyuiDir, "custom_nodes", "sim-beta", "requirements.txt")} --constraint`);
    expect(await objectInfoClasses(harness.url)).toContain("SimBeta");
  });

  it.each(["--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/x", "file:///etc"])("rejects the git URL %s", async (url) => {
    const existedBefore = existsSync("/tmp/x");

    const error = await harness.call("nodes.install_git", { url }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ComfyCarryError);
    expect((error as ComfyCarryError).code).toBe("invalid_arguments");
    expect(existsSync("/tmp/x")).toBe(existedBefore);
  });

  it("restores a snapshot after custom_nodes is wiped", async () => {
    await harness.call("nodes.install_git", { url: `${FIXTURE_HOST}owner/sim-alpha` });
    const saved = await harness.call("nodes.snapshot.save");
    const customNodes = join(harness.comfyuiDir, "custom_nodes");
    rmSync(customNodes, { recursive: true, force: true });
    mkdirSync(customNodes);

    const result = await harness.call("nodes.snapshot.restore", { snapshot: saved.snapshot });
    const again = await harness.call("nodes.snapshot.save");

    expect(result.cloned.sort()).toEqual(["sim-alpha", "sim-beta"]);
    expect(again.snapshot.packs).toEqual(saved.snapshot.packs);
  });
});
