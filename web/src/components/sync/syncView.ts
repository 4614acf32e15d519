import type { Level } from "../../lib/levels";
import type { MessageRef } from "../../lib/badges";
import type { Overview, SyncJobStatus, SyncRuleState, SyncRuleWire, SyncTrigger } from "@comfycarry/shared";

// Pure helpers of the Sync page and the overview's sync lines: colours, the
// "safe to destroy" sentence and the words for a rule's settings.

/** Colours a rule's state: running and waiting amber, offline and failed red, idle green. */
export function ruleStateLevel(state: SyncRuleState): Level {
  switch (state) {
    case "idle":
      return "green";
    case "running":
    case "retry_wait":
    case "needs_confirmation":
      return "amber";
    case "remote_offline":
    case "failed":
      return "red";
    case "disabled":
      return "neutral";
  }
}

export function jobStatusLevel(status: SyncJobStatus): Level {
  switch (status) {
    case "success":
      return "green";
    case "running":
      return "amber";
    case "failed":
      return "red";
    case "canceled":
      return "neutral";
  }
}

/** The "safe to destroy" line: its colour and sentence; null when the reporter sends no such fields. */
export interface SafeLine {
  level: Level;
  message: MessageRef;
}

/**
 * Returns "all synced N s ago", "N files not yet synced" or "not checked yet" for an
 * overview sync section. `since` formats a UTC time as an age.
 */
export function safeLine(sync: Overview["sync"], since: (utc: string) => string): SafeLine | null {
  if (!sync.available || sync.safe === undefined) {
    return null;
  }
  if (sync.safe === true) {
    return sync.all_synced_at === null || sync.all_synced_at === undefined
      ? { level: "green", message: { key: "sync.safe.allSyncedNoTime" } }
      : { level: "green", message: { key: "sync.safe.allSynced", params: { age: since(sync.all_synced_at) } } };
  }
  if (sync.safe === false) {
    const count = sync.unsynced_files ?? 0;
    return count > 0
      ? { level: "amber", message: { key: "sync.safe.unsynced", params: { count } } }
      : { level: "amber", message: { key: "sync.safe.unsyncedUnknownCount" } };
  }
  return { level: "neutral", message: { key: "sync.safe.unknown" } };
}

export const DIRECTION_SYMBOLS: Record<SyncRuleWire["direction"], string> = { push: "→", pull: "←", two_way: "⇄" };

/** The trigger as a message: "watching", "every 5 min", "on deploy", "manual". */
export function triggerMessage(trigger: SyncTrigger): MessageRef {
  if (trigger.type === "interval") {
    return trigger.every_s % 60 === 0
      ? { key: "sync.trigger.everyMinutes", params: { n: trigger.every_s / 60 } }
      : { key: "sync.trigger.everySeconds", params: { n: trigger.every_s } };
  }
  return { key: `sync.trigger.${trigger.type}` };
}

/** Reasons the reporter puts in `invalid_arguments` params that have their own translated sentence. */
export const KNOWN_FIELD_REASONS = new Set([
  "unknown_remote",
  "modtime_unsupported",
  "remote_unreachable",
  "outside_workspace",
  "empty",
  "parent_segment",
  "in_use",
  "no_remote",
  "no_type",
  "encrypted",
  "unreadable",
]);

/** A field-level error from an `invalid_arguments` failure: the field and a sentence. */
export interface FieldError {
  field: string;
  message: MessageRef | null;
  /** The reporter's English sentence, shown when no translation fits. */
  detail: string;
}

/** Reads the field and reason the reporter put in the error params; null when it named no field. */
export function fieldError(error: { code: string; message: string; params?: Record<string, string | number | boolean | null> | undefined }): FieldError | null {
  const field = error.params?.["field"];
  if (error.code !== "invalid_arguments" || typeof field !== "string") {
    return null;
  }
  const reason = error.params?.["reason"];
  const message = typeof reason === "string" && KNOWN_FIELD_REASONS.has(reason) ? { key: `sync.fieldErrors.${reason}` } : null;
  // The reporter prefixes its sentence with "<field>: ".
  const detail = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  return { field: field.split(".")[0] ?? field, message, detail };
}

/** Reason codes for a local path the form rejects before sending it. The reporter sends the same codes. */
export type LocalPathProblem = "empty" | "parent_segment";

/**
 * Checks a rule's local path as typed, by the reporter's rules: it must name a folder and
 * contain no `..` segment. Whether it stays inside the workspace only the reporter can tell.
 */
export function localPathProblem(localPath: string): LocalPathProblem | null {
  if (localPath.trim() === "") {
    return "empty";
  }
  return localPath.split(/[\\/]/).includes("..") ? "parent_segment" : null;
}
