/** The sync preset rules a deploy creates, and how a restore matches them to existing rules. */
import type { SyncPresetName, SyncRuleWire } from "@comfycarry/shared";

import type { SyncEngine } from "../sync/engine/sync-engine.js";
import type { RemoteInfoSource } from "../sync/remotes/remotes.js";
import { presetRule } from "../sync/rules/presets.js";
import type { RuleInput } from "../sync/rules/schema.js";
import type { PresetPlace } from "./sync-port.js";

export function plannedPreset(preset: SyncPresetName, place: PresetPlace): RuleInput {
  return presetRule(preset, { remote: place.remote, comfyui_dir: place.comfyui_dir, ...(place.remote_base === null ? {} : { remote_base: place.remote_base }) });
}

export function sameFolders(rule: Pick<SyncRuleWire, "local_path" | "remote" | "remote_path">, planned: Pick<RuleInput, "local_path" | "remote" | "remote_path">): boolean {
  return rule.local_path === planned.local_path && rule.remote === planned.remote && rule.remote_path === planned.remote_path;
}

/**
 * Creates the preset's rule unless a rule with the same folders exists. The rule's validation
 * reads the remote list (and, for a two-way rule, the remote's features) from `source` when
 * given, else from new rclone processes.
 */
export async function ensurePresetRule(engine: SyncEngine, preset: SyncPresetName, place: PresetPlace, source?: RemoteInfoSource): Promise<{ name: string; created: boolean }> {
  const planned = plannedPreset(preset, place);
  const existing = engine.listRules().find((rule) => sameFolders(rule, planned));
  if (existing !== undefined) {
    return { name: existing.name, created: false };
  }
  await engine.prefetchRemoteInfo(planned.remote, planned.direction === "two_way", source);
  const rule = await engine.createRule(planned);
  return { name: rule.name, created: true };
}
