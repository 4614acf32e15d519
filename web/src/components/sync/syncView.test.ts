import { describe, expect, it } from "vitest";

import { syncBadge } from "../../lib/badges";
import { fieldError, ruleStateLevel, safeLine, triggerMessage } from "./syncView";

import type { Overview } from "@comfycarry/shared";

const since = (utc: string): string => `since ${utc}`;

function section(patch: Partial<Extract<Overview["sync"], { available: true }>>): Overview["sync"] {
  return { available: true, worker_running: true, rules_count: 1, last_activity: null, last_status: "success", ...patch };
}

describe("safeLine", () => {
  it("says all synced with the age", () => {
    const line = safeLine(section({ safe: true, all_synced_at: "2026-01-01T00:00:00.000Z", unsynced_files: 0 }), since);
    expect(line).toEqual({ level: "green", message: { key: "sync.safe.allSynced", params: { age: "since 2026-01-01T00:00:00.000Z" } } });
  });

  it("counts files not yet synced", () => {
    const line = safeLine(section({ safe: false, unsynced_files: 3 }), since);
    expect(line).toEqual({ level: "amber", message: { key: "sync.safe.unsynced", params: { count: 3 } } });
  });

  it("is neutral when unknown", () => {
    expect(safeLine(section({ safe: null }), since)?.level).toBe("neutral");
  });

  it("is absent for reporters without the fields", () => {
    expect(safeLine(section({}), since)).toBeNull();
  });

  it("is absent when sync is not set up", () => {
    expect(safeLine({ available: false, reason: "not_configured" }, since)).toBeNull();
  });
});

describe("sync badge", () => {
  it("turns red when a remote is offline", () => {
    expect(syncBadge(section({ offline_rules: 1 }), since).level).toBe("red");
  });

  it("turns red when a rule needs the user", () => {
    expect(syncBadge(section({ failed_rules: 2 }), since).level).toBe("red");
  });

  it("stays amber while running", () => {
    expect(syncBadge(section({ last_status: "running", offline_rules: 1 }), since).level).toBe("amber");
  });
});

describe("ruleStateLevel", () => {
  it.each([
    ["idle", "green"],
    ["running", "amber"],
    ["retry_wait", "amber"],
    ["remote_offline", "red"],
    ["failed", "red"],
    ["disabled", "neutral"],
  ] as const)("colours %s %s", (state, level) => {
    expect(ruleStateLevel(state)).toBe(level);
  });
});

describe("fieldError", () => {
  it("reads the field and a known reason", () => {
    const error = { code: "invalid_arguments", message: "direction: remote \"wd\" (webdav) does not keep modification times", params: { field: "direction", reason: "modtime_unsupported" } };
    expect(fieldError(error)).toEqual({ field: "direction", message: { key: "sync.fieldErrors.modtime_unsupported" }, detail: "remote \"wd\" (webdav) does not keep modification times" });
  });

  it("keeps the top-level field of a nested path", () => {
    const error = { code: "invalid_arguments", message: "x", params: { field: "trigger.every_s", reason: "invalid" } };
    expect(fieldError(error)?.field).toBe("trigger");
  });

  it("ignores errors without a field", () => {
    expect(fieldError({ code: "sync_failed", message: "x", params: { reason: "engine_unavailable" } })).toBeNull();
  });
});

describe("triggerMessage", () => {
  it("says minutes for whole minutes", () => {
    expect(triggerMessage({ type: "interval", every_s: 300 })).toEqual({ key: "sync.trigger.everyMinutes", params: { n: 5 } });
  });

  it("names the watch trigger", () => {
    expect(triggerMessage({ type: "watch" }).key).toBe("sync.trigger.watch");
  });
});
