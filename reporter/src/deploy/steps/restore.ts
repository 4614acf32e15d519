/** Restore: create the chosen sync presets, then pull from the remote (pull and on-deploy rules, and in restore mode the preset folders). */
import { relative } from "node:path";

import type { DeployStepDefinition } from "../context.js";
import { DeployStepError } from "../context.js";
import { installNodes } from "./custom-nodes.js";
import { newestNodeSnapshot, snapshotNodes, writeNodeSnapshot } from "./node-snapshot.js";

export const restoreStep: DeployStepDefinition = {
  id: "restore",
  kind: "change",
  inputs: (context) =>
    Promise.resolve({
      mode: context.request.mode,
      remote: context.request.remote,
      remote_base: context.request.remote_base,
      presets: context.request.sync_presets,
      comfyui: context.outcome("comfyui"),
    }),
  async run(context) {
    const { remote, mode, sync_presets: presets, remote_base: remoteBase } = context.request;
    const sync = context.deps.sync;
    if (remote === null && presets.length === 0 && mode === "fresh") {
      context.line("no remote chosen: nothing to restore");
      return { presets: [], rules: [], nodes: [] };
    }
    if (sync === null || remote === null) {
      throw new DeployStepError("sync_unavailable", "A restore and sync presets need cloud sync and a remote; choose a remote or turn cloud sync on.");
    }

    const comfyuiDir = relative(context.settings.workspaceDir, context.settings.comfyuiDir) || "ComfyUI";
    const created: string[] = [];
    for (const preset of presets) {
      const rule = await sync.ensurePreset(preset, { remote, remote_base: remoteBase, comfyui_dir: comfyuiDir });
      context.line(`${preset}: rule "${rule.name}" ${rule.created ? "created" : "already present"}`);
      created.push(rule.name);
    }

    const summary = await sync.restore(mode, context.line);
    if (summary.failed.length > 0) {
      throw new DeployStepError("restore_failed", `Restoring from "${remote}" failed for ${summary.failed.map((failure) => `"${failure.rule}" (${failure.reason})`).join(", ")}. Check the Sync page, then retry.`);
    }

    // The snapshot comes down with the other folders; its packs join the ones the request named.
    let restoredNodes: string[] = [];
    const snapshot = mode === "restore" ? await newestNodeSnapshot(context.settings.comfyuiDir) : null;
    if (snapshot !== null) {
      const installed = await installNodes(context, snapshotNodes(context, snapshot));
      restoredNodes = installed.filter((node) => node.state === "installed").map((node) => node.name);
      context.line(`node snapshot of ${snapshot.taken_at}: ${restoredNodes.length} of ${snapshot.packs.length} packs installed`);
    }
    if (presets.includes("node_snapshots")) {
      context.line(`node snapshot written to ${await writeNodeSnapshot(context)}`);
    }
    return { presets: [...created].sort(), rules: [...summary.rules].sort(), nodes: restoredNodes.sort() };
  },
};
