/**
 * Restore: create the chosen sync presets, then (in restore mode) copy the backed-up folders
 * down, re-create the saved sync rules and install the node snapshot's packs. After that the
 * pull and on-deploy rules run. With the node-snapshots preset, the node set and the rules
 * are written where that preset pushes them, so the next restore finds them.
 */
import { relative } from "node:path";

import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";
import type { RestoreSummary } from "../sync-port.js";
import { installNodes } from "./custom-nodes.js";
import { newestNodeSnapshot, readSavedRules, snapshotNodes, writeNodeSnapshot, writeSavedRules } from "./node-snapshot.js";

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
    const presetRules: string[] = [];
    for (const preset of presets) {
      const rule = await sync.ensurePreset(preset, { remote, remote_base: remoteBase, comfyui_dir: comfyuiDir });
      context.line(`${preset}: rule "${rule.name}" ${rule.created ? "created" : "already present"}`);
      presetRules.push(rule.name);
    }

    const ran: string[] = [];
    let nodes: string[] = [];
    if (mode === "restore") {
      ran.push(...check(await sync.copyBackups(context.line), remote));
      const imported = await sync.importRules(await readSavedRules(context.settings.comfyuiDir), context.line);
      context.line(imported.length === 0 ? "no saved sync rules to add" : `sync rules restored: ${imported.join(", ")}`);
      nodes = await installSnapshot(context);
    }
    ran.push(...check(await sync.runPullRules(context.line), remote));

    if (presets.includes("node_snapshots")) {
      context.line(`node snapshot written to ${await writeNodeSnapshot(context)}`);
      await writeSavedRules(context, sync.exportRules());
    }
    return { presets: presetRules.sort(), rules: ran.sort(), nodes: nodes.sort() };
  },
};

function check(summary: RestoreSummary, remote: string): string[] {
  if (summary.failed.length > 0) {
    const failures = summary.failed.map((failure) => `"${failure.rule}" (${failure.reason})`).join(", ");
    throw new DeployStepError("restore_failed", `Restoring from "${remote}" failed for ${failures}. Check the Sync page, then retry.`);
  }
  return summary.rules;
}

/** Installs the packs of the newest node snapshot that came down; returns the names installed. */
async function installSnapshot(context: StepContext): Promise<string[]> {
  const snapshot = await newestNodeSnapshot(context.settings.comfyuiDir);
  if (snapshot === null) {
    context.line("no node snapshot on the remote");
    return [];
  }
  const installed = (await installNodes(context, snapshotNodes(context, snapshot))).filter((node) => node.state === "installed").map((node) => node.name);
  context.line(`node snapshot of ${snapshot.taken_at}: ${installed.length} of ${snapshot.packs.length} packs installed`);
  return installed;
}
