/** The deploy engine's interface to cloud sync: remote checks, preset rules, rule export and import, and the restore runs. */
import type { SyncPresetName } from "@comfycarry/shared";

export interface RestoreSummary {
  /** Rules that ran, by name. */
  rules: string[];
  /** Rules whose run failed, with the reason. */
  failed: Array<{ rule: string; reason: string }>;
}

/** The target of the preset rules: the remote, its base folder and the ComfyUI folder relative to the workspace. */
export interface PresetPlace {
  remote: string;
  remote_base: string | null;
  comfyui_dir: string;
}

export interface DeploySyncPort {
  /** Returns null when `remote` is in rclone.conf and can be listed, else the reason. */
  checkRemote(remote: string): Promise<string | null>;
  /** Creates the preset's rule unless a rule with the same local path and remote exists; returns the rule's name. */
  ensurePreset(preset: SyncPresetName, options: PresetPlace): Promise<{ name: string; created: boolean }>;
  /** The rules as rule inputs (no ids or timestamps), for the copy kept on the remote. */
  exportRules(): unknown[];
  /** Creates each rule unless one with the same folders and remote exists; a rule that fails validation is reported, not thrown. */
  importRules(rules: unknown[], onLine: (text: string) => void): Promise<string[]>;
  /** Starts a restore's copies and preset rules, which share one `rclone rcd` until the session is closed. */
  openRestore(): RestoreSession;
  /** Runs every enabled pull and on-deploy rule and waits for them. */
  runPullRules(onLine: (text: string) => void): Promise<RestoreSummary>;
}

/** One restore's folder copies and preset rules. close() ends its rclone daemon. */
export interface RestoreSession {
  /**
   * Copies the remote folder of each enabled push and two-way rule down once, in parallel
   * (outputs excepted). `presets` adds the preset rules not created yet, so the copies need not wait for them.
   */
  copyBackups(onLine: (text: string) => void, presets: { names: readonly SyncPresetName[]; place: PresetPlace }): Promise<RestoreSummary>;
  /** Same as DeploySyncPort.ensurePreset, with the remotes read from the session's daemon. */
  ensurePreset(preset: SyncPresetName, options: PresetPlace): Promise<{ name: string; created: boolean }>;
  /** Stops the daemon and waits for it to exit. Later calls return the same promise. */
  close(): Promise<void>;
}
