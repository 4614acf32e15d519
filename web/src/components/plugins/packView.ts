import type { InstalledPack, NodeTask } from "@comfycarry/shared";

// What the Plugins page offers on an installed pack's row.

/** The row actions for `nodes.action`. */
export type PackAction = "install" | "update" | "enable" | "disable" | "uninstall" | "switch_version";

/** Returns the id Manager uses for a pack: its registry id when it has one, else its folder name. */
export function packId(pack: InstalledPack): string {
  return pack.cnr_id ?? pack.name;
}

/** Actions that make sense for a pack: enable only when disabled, update when one is known or unknown. */
export function packActions(pack: InstalledPack): PackAction[] {
  const actions: PackAction[] = [];
  if (pack.update_available !== false && pack.enabled) {
    actions.push("update");
  }
  actions.push(pack.enabled ? "disable" : "enable", "switch_version", "uninstall");
  return actions;
}

/** Returns whether a task is still queued or running, so its row's buttons stay disabled. */
export function taskActive(task: NodeTask | undefined): boolean {
  return task !== undefined && (task.state === "queued" || task.state === "running");
}

/** The version to show: Manager's version, the checked-out tag, or a short commit. */
export function packVersion(pack: InstalledPack): string {
  return pack.version ?? (pack.commit === null ? "—" : pack.commit.slice(0, 8));
}
