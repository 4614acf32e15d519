/**
 * Restore: create the chosen sync presets and (in restore mode) copy the backed-up folders
 * down meanwhile, then re-create the saved sync rules while the node snapshot's packs are
 * installed. After that the pull and on-deploy rules run. With the node-snapshots preset, the node set and the rules
 * are written where that preset pushes them, so the next restore finds them. Node folders
 * backed up by the custom_nodes preset come down with the copies, and a pack already at its
 * snapshot commit there is kept instead of cloned.
 */
import { relative } from "node:path";

import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";
import type { DeploySyncPort, PresetPlace, RestoreSummary } from "../sync-port.js";
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

    const place: PresetPlace = { remote, remote_base: remoteBase, comfyui_dir: relative(context.settings.workspaceDir, context.settings.comfyuiDir) || "ComfyUI" };
    const ran: string[] = [];
    let presetRules: string[];
    let nodes: string[] = [];
    if (mode === "restore") {
      // The copies take the preset rules as planned, so creating the rules (each validated
      // against rclone) runs beside the copies and clones instead of before them. Both share
      // the session's one rclone daemon, which stops once they are done.
      // The node folders come down with the other copies whether or not the custom_nodes preset
      // is chosen, so each pack whose backed-up HEAD is the snapshot's commit is kept, not cloned.
      // NOTE: a backed-up node folder the snapshot does not list is copied too and stays installed.
      const session = sync.openRestore();
      const copiedPresets = presets.includes("custom_nodes") ? presets : [...presets, "custom_nodes" as const];
      const copied = session.copyBackups(context.line, { names: copiedPresets, place });
      const created = ensurePresets(context, session, place);
      const closed = Promise.allSettled([copied, created]).then(() => session.close());
      const content = copied.then(async (summary) => {
        ran.push(...check(summary, remote));
        return installSnapshot(context);
      });
      // Saved rules come down with the copies and are added after the presets, so a saved
      // rule with a preset's folders is left to the preset.
      const rules = created.then(async (names) => {
        if (await copied.then((summary) => summary.failed.length === 0, () => false)) {
          const imported = await sync.importRules(await readSavedRules(context.settings.comfyuiDir), context.line);
          context.line(imported.length === 0 ? "no saved sync rules to add" : `sync rules restored: ${imported.join(", ")}`);
        }
        return names;
      });
      try {
        [nodes, presetRules] = await settleBoth(content, rules);
      } finally {
        await closed;
      }
    } else {
      presetRules = await ensurePresets(context, sync, place);
    }
    ran.push(...check(await sync.runPullRules(context.line), remote));

    if (presets.includes("node_snapshots")) {
      context.line(`node snapshot written to ${await writeNodeSnapshot(context)}`);
      await writeSavedRules(context, sync.exportRules());
    }
    return { presets: presetRules.sort(), rules: ran.sort(), nodes: nodes.sort() };
  },
};

/** Creates the chosen presets' rules one after another and returns their names. */
async function ensurePresets(context: StepContext, sync: Pick<DeploySyncPort, "ensurePreset">, place: PresetPlace): Promise<string[]> {
  const names: string[] = [];
  for (const preset of context.request.sync_presets) {
    const rule = await sync.ensurePreset(preset, place);
    context.line(`${preset}: rule "${rule.name}" ${rule.created ? "created" : "already present"}`);
    names.push(rule.name);
  }
  return names;
}

/** Waits for both, so a failure of one never leaves the other running unseen, then throws the first failure. */
async function settleBoth<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === "rejected") {
    throw a.reason;
  }
  if (b.status === "rejected") {
    throw b.reason;
  }
  return [a.value, b.value];
}

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
