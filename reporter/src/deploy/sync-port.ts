/** What the deploy engine needs from cloud sync: remote checks, preset rules and the restore run. */
import type { SyncPresetName } from "@comfycarry/shared";

export interface RestoreSummary {
  /** Rules that ran, by name. */
  rules: string[];
  /** Rules whose run failed, with the reason. */
  failed: Array<{ rule: string; reason: string }>;
}

export interface DeploySyncPort {
  /** Returns null when `remote` is in rclone.conf and answers a listing, else the reason. */
  checkRemote(remote: string): Promise<string | null>;
  /** Creates the preset's rule unless a rule with the same local path and remote exists; returns the rule's name. */
  ensurePreset(preset: SyncPresetName, options: { remote: string; remote_base: string | null; comfyui_dir: string }): Promise<{ name: string; created: boolean }>;
  /**
   * Pulls what a restore needs: every enabled pull and on-deploy rule, plus, in restore mode,
   * the preset folders (workflows, user settings, node snapshots) copied down once.
   */
  restore(mode: "fresh" | "restore", onLine: (text: string) => void): Promise<RestoreSummary>;
}
