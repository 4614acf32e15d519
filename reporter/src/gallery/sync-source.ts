import { realpath } from "node:fs/promises";
import { resolve } from "node:path";

import type { GallerySyncState } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { isInside } from "../models/confine.js";
import type { SyncService } from "../sync/service/sync-service.js";

/** An enabled push rule: the real folder it copies and when it last succeeded. */
export interface PushCoverage {
  ruleId: string;
  dir: string;
  lastSuccessMs: number | null;
}

/** What the gallery needs from cloud sync. */
export interface GallerySyncSource {
  /** Enabled push rules, or null when the sync engine is not running. */
  coverage(): Promise<PushCoverage[] | null>;
  /** Starts the given rules in the background. */
  run(ruleIds: string[]): void;
}

/**
 * Returns whether a file is on the remote, judged from rule coverage and the last
 * successful run. NOTE: this is an estimate. Rule filters are not applied, and a file
 * written during a run that succeeded may still count as synced.
 */
export function syncStateOf(coverage: PushCoverage[] | null, realPath: string, modifiedMs: number): GallerySyncState {
  if (coverage === null) {
    return "unknown";
  }
  const rules = coverage.filter((rule) => isInside(rule.dir, realPath));
  if (rules.length === 0) {
    return "not_covered";
  }
  return rules.some((rule) => rule.lastSuccessMs !== null && rule.lastSuccessMs >= modifiedMs) ? "synced" : "pending";
}

/** Adapts the reporter's sync service: rule paths are resolved against the workspace as the engine does. */
export function syncSourceFrom(service: SyncService, workspaceDir: string, log: Logger): GallerySyncSource {
  return {
    async coverage() {
      if (service.state !== "running") {
        return null;
      }
      const engine = service.engine();
      const statuses = new Map(engine.ruleStatuses().map((status) => [status.rule_id, status]));
      const rules = engine.listRules().filter((rule) => rule.enabled && rule.direction === "push");
      const out: PushCoverage[] = [];
      for (const rule of rules) {
        const dir = await realpath(resolve(workspaceDir, rule.local_path)).catch(() => null);
        const last = statuses.get(rule.id)?.last_success_at ?? null;
        if (dir !== null) {
          out.push({ ruleId: rule.id, dir, lastSuccessMs: last === null ? null : Date.parse(last) });
        }
      }
      return out;
    },
    run(ruleIds) {
      const engine = service.engine();
      for (const ruleId of ruleIds) {
        engine.runRule(ruleId, { reason: "manual" }).catch((error: unknown) => log.error({ err: error, ruleId }, "gallery push: sync run failed unexpectedly"));
      }
    },
  };
}
